namespace Aspire70B.Serving.Tokenization;

/// <summary>
/// Frequent English words and word endings of four letters or more, which a real BPE vocabulary holds as single
/// tokens. Their order fixes their ids: append, never reorder.
/// </summary>
internal static class CommonWords
{
    private const string Text = """
        that with this from have they which their would there about other were been when what your more will some
        into time than them only also could after first well these then many most over such where make like just
        know take people year good very through back much before must right think under still should because while
        between never being same another those both each during without again place around however small found
        something thought since against three general point number world house system program question government
        always often until important children large within company group problem high every family business change
        order service state local following example second available different possible provide include including
        information development public national create request response model server client profile memory token
        tokens cache latency context length prefill decode stream streaming simulator deployment capacity sequence
        sequences running waiting error errors message messages content assistant function template templates
        configuration options option default value values return returns string boolean object array field fields
        version metrics metric health status complete completion completions generate generated generation engine
        planner planning quantization weights weight parameter parameters tensor parallel batch batched maximum
        minimum throughput requests seconds minute minutes hour hours developer developers application applications
        services gateway backend frontend above below could should might shall whether either neither although
        though throughout along among toward towards upon onto under sometimes usually already even rather quite
        almost enough really actually probably perhaps certainly simply clearly finally especially particularly
        third last next previous similar various several certain given known used using based called named made
        shown seen taken done become becomes became begin began begun bring brought build built come came consider
        continue describe explain follow help keep leave live look mean move need open play read remember seem
        serve show start stay talk tell turn understand want watch work write written water words word part case
        week night money month story fact study book issue side kind head friend father power game line member city
        community name president team idea body parent face others level office door person history party result
        morning reason research moment teacher force education policy everything process music market sense nation
        plan college interest death experience effect class control care heart leader light voice police mind price
        report decision view relationship town road difference building action season society director position
        player record paper space ground form event official matter center couple project activity star table court
        situation cost industry figure street image phone data picture practice piece land product doctor wall
        patient worker news test movie north south east west love support technology step baby computer type
        attention film tree source organization hair window evidence population choice training task feature
        features user users chat prompt prompts output input inputs outputs answer answers tool tools call calls
        query queries search result results document documents file files path paths text texts code language
        languages write writing reading read send sent receive received client clients address network connection
        connections limit limits rate rates time times date dates today tomorrow yesterday weather city cities
        country countries water food small large great little long short early late young old new best better
        worse worst able unable free full empty true false null none every everyone everybody nothing anything
        someone somebody anyone here there where when why how what which who whom whose please thank thanks hello
        world sorry sure okay yes course instance instead least less more most much many little few several
        machine learning intelligence artificial neural network training inference performance benchmark
        benchmarks latency speed fast slow quick quickly slowly simple simply complex easy hard difficult
        tion tions ment ments ness able ible ally ence ance ther ight ould ated ating ations ions ical ever ough
        ture ward ings less ship ization ized ising ities ively ously ents ants ness ering ered ional ially
        """;

    /// <summary>The words, each once, in id order.</summary>
    public static IReadOnlyList<string> Words { get; } =
        [.. Text.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length >= 4).Distinct(StringComparer.Ordinal)];
}
