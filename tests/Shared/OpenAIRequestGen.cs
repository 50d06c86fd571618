using System.Globalization;
using System.Text;
using CsCheck;

namespace Aspire70B.Tests.Shared;

/// <summary>
/// Generators of OpenAI chat and completion request bodies as raw JSON text, for property-based tests: mostly the
/// schema's fields with plausible values, but any field may take any JSON value (wrong types, out-of-range and
/// non-finite-looking numbers, deep nesting), strings carry escapes, surrogate halves, control characters and special
/// tokens, and unknown fields appear. <see cref="Mutated"/> then breaks valid bodies at the byte level.
/// </summary>
internal static class OpenAIRequestGen
{
    public const string Model = "llama-3.1-70b-instruct";

    /// <summary>Pieces of JSON string content, already escaped, that make up the strings.</summary>
    private static readonly string[] Atoms =
    [
        "a", "Hi", " ", "hello world", "count 3", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\u0000", "\\u001f", "\\u2028",
        "\\ud800", "\\udfff", "\\ud83d\\ude00", "\\udc00\\ud800", "é", "日本語", "😀", "\u0085", "<|eot_id|>",
        "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|python_tag|>", "<|eom_id|>",
        "<|reserved_special_token_5|>", "[INST]", "</s>", "{{", "}}", "{%", "%}", "{\\\"name\\\": \\\"f\\\", \\\"parameters\\\": {}}",
        "\\u003c|eot_id|\\u003e", "ipython", "1e999",
    ];

    /// <summary>Atoms a well-behaved client sends: no special tokens, no surrogate halves.</summary>
    private static readonly string[] SafeAtoms =
        ["a", "Hi", " ", "hello world", "count 3", "\\n", "\\\"", "é", "日本語", "😀", "{{", "%}", "ipython", "1e999"];

    /// <summary>A JSON string: mostly what clients send, sometimes anything the atoms can make.</summary>
    public static readonly Gen<string> Text = Gen.Frequency<string>(
        (4, Gen.Int[0, SafeAtoms.Length - 1].Array[0, 6].Select(ix => "\"" + string.Concat(ix.Select(i => SafeAtoms[i])) + "\"")),
        (1, Gen.Int[0, Atoms.Length - 1].Array[0, 6].Select(ix => "\"" + string.Concat(ix.Select(i => Atoms[i])) + "\"")));

    public static readonly Gen<string> Number = Gen.OneOf<string>(
        Gen.Int[-3, 40].Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Double[-3, 3].Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
        Gen.OneOf<string>("0", "-0", "1.0", "0.5", "1e400", "-1e400", "1e-400", "2147483648", "-2147483649", "9223372036854775808",
            "99999999999999999999999999999", "1E2", "16384", "100000", "-1", "2", "3.5", "0.0000001"));

    /// <summary>Any JSON value, nested up to a few levels.</summary>
    public static readonly Gen<string> AnyValue = Gen.Recursive<string>((depth, value) => depth >= 3
        ? Gen.OneOf<string>(Gen.OneOf<string>("null", "true", "false"), Number, Text)
        : Gen.Frequency<string>(
            (3, Gen.OneOf<string>("null", "true", "false")),
            (3, Number),
            (4, Text),
            (1, value.Array[0, 3].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Text, value).Array[0, 3].Select(fields => "{" + string.Join(",", fields.Select(f => f.Item1 + ":" + f.Item2)) + "}"))));

    private static Gen<string> Field(string name, Gen<string> plausible, int plausibleWeight = 7) =>
        Gen.Frequency<string>((plausibleWeight, plausible), (1, AnyValue)).Select(v => $"\"{name}\":{v}");

    private static Gen<string> Role => Gen.Frequency<string>(
        (6, Gen.OneOf<string>("\"user\"", "\"system\"", "\"assistant\"")),
        (2, Gen.OneOf<string>("\"tool\"", "\"ipython\"", "\"developer\"", "\"function\"")),
        (1, AnyValue));

    private static Gen<string> Content => Gen.Frequency<string>(
        (6, Text),
        (2, Gen.Frequency<string>((4, Text.Select(t => $"{{\"type\":\"text\",\"text\":{t}}}")), (1, AnyValue)).Array[0, 3].Select(p => "[" + string.Join(",", p) + "]")),
        (1, Gen.Const("null")),
        (1, AnyValue));

    private static Gen<string> ToolCall => Gen.Select(Text, Text).Select((name, args) =>
        $"{{\"id\":\"call_1\",\"type\":\"function\",\"function\":{{\"name\":{name},\"arguments\":{args}}}}}");

    private static Gen<string> Message => Gen.Select(
        Role, Content,
        Gen.Frequency<string>((8, Gen.Const("")), (1, ToolCall.Array[0, 2].Select(c => ",\"tool_calls\":[" + string.Join(",", c) + "]")), (1, AnyValue.Select(v => ",\"tool_calls\":" + v))),
        Gen.Frequency<string>((8, Gen.Const("")), (1, Text.Select(t => ",\"tool_call_id\":" + t)), (1, Text.Select(t => ",\"name\":" + t))))
        .Select((role, content, calls, extra) => $"{{\"role\":{role},\"content\":{content}{calls}{extra}}}");

    private static readonly Gen<string> Tools = Gen.Frequency<string>(
        (3, Text.Array[1, 2].Select(names => "[" + string.Join(",", names.Select(n =>
            $"{{\"type\":\"function\",\"function\":{{\"name\":{n},\"description\":\"d\",\"parameters\":{{\"type\":\"object\",\"properties\":{{\"x\":{{\"type\":\"string\"}}}}}}}}}}")) + "]")),
        (1, AnyValue));

    private static Gen<string> Optional(params Gen<string>[] fields) =>
        Gen.Select(fields.Select(f => Gen.Frequency<string>((3, Gen.Const("")), (1, f))).ToArray().Aggregate(
            Gen.Const(new List<string>()), (list, next) => Gen.Select(list, next, (l, n) => new List<string>(l) { n })),
            list => string.Concat(list.Where(f => f.Length > 0).Select(f => "," + f)));

    private static readonly Gen<string> SamplingFields = Optional(
        Field("max_tokens", Gen.Int[1, 8].Select(i => i.ToString(CultureInfo.InvariantCulture))),
        Field("max_completion_tokens", Gen.Int[1, 8].Select(i => i.ToString(CultureInfo.InvariantCulture))),
        Field("temperature", Gen.OneOf<string>("0", "0.7", "1", "2")),
        Field("top_p", Gen.OneOf<string>("0.1", "1")),
        Field("top_k", Gen.OneOf<string>("-1", "1", "40")),
        Field("min_p", Gen.OneOf<string>("0", "0.1")),
        Field("presence_penalty", Gen.OneOf<string>("0", "-2", "2")),
        Field("frequency_penalty", Gen.OneOf<string>("0", "1.5")),
        Field("repetition_penalty", Gen.OneOf<string>("1", "1.1")),
        Field("seed", Gen.OneOf<string>("0", "42", "-1")),
        Field("n", Gen.OneOf<string>("1", "2")),
        Field("stop", Gen.OneOf<string>(Text, Text.Array[0, 3].Select(s => "[" + string.Join(",", s) + "]"))),
        Field("stream", Gen.OneOf<string>("true", "false")),
        Field("stream_options", Gen.OneOf<string>("{\"include_usage\":true}", "{}")),
        Field("logprobs", Gen.OneOf<string>("true", "false")),
        Field("user", Text),
        Field("response_format", Gen.OneOf<string>("{\"type\":\"text\"}", "{\"type\":\"json_object\"}")),
        Field("ignore_eos", Gen.OneOf<string>("true", "false")),
        AnyValue.Select(v => "\"x_unknown_field\":" + v));

    private static readonly Gen<string> SafeText =
        Gen.Int[0, SafeAtoms.Length - 1].Array[1, 6].Select(ix => "\"" + string.Concat(ix.Select(i => SafeAtoms[i])) + "\"");

    /// <summary>A chat request any OpenAI-compatible server must answer with a completion.</summary>
    public static readonly Gen<string> ValidChat = Gen.Select(
        Gen.Select(Gen.OneOf<string>("user", "system"), SafeText).Select((role, text) => $"{{\"role\":\"{role}\",\"content\":{text}}}").Array[0, 2],
        SafeText,
        Gen.Int[1, 6],
        Gen.OneOf<string>("", ",\"temperature\":0", ",\"temperature\":1.3,\"top_p\":0.9", ",\"seed\":7", ",\"n\":2", ",\"stop\":[\"\\n\"]",
            ",\"stream\":true", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}", ",\"presence_penalty\":0.5,\"frequency_penalty\":-0.5"))
        .Select((history, last, maxTokens, extra) =>
            $"{{\"model\":\"{Model}\",\"messages\":[{string.Concat(history.Select(h => h + ","))}{{\"role\":\"user\",\"content\":{last}}}],\"max_tokens\":{maxTokens}{extra}}}");

    /// <summary>A chat completion request body (JSON text): valid ones and the schema's fields with any values.</summary>
    public static Gen<string> Chat => Gen.Frequency<string>((1, ValidChat), (3, AnyChat));

    private static readonly Gen<string> AnyChat = Gen.Select(
        Gen.Frequency<string>((8, Gen.Const($"\"model\":\"{Model}\"")), (1, Gen.Const("")), (1, AnyValue.Select(v => "\"model\":" + v))),
        Gen.Frequency<string>((10, Message.Array[1, 4].Select(m => "[" + string.Join(",", m) + "]")), (1, AnyValue)),
        SamplingFields,
        Optional(Field("tools", Tools), Field("tool_choice", Gen.OneOf<string>("\"auto\"", "\"none\"", "\"required\"")),
            Field("continue_final_message", Gen.OneOf<string>("true", "false")), Field("add_generation_prompt", Gen.OneOf<string>("true", "false")),
            Field("chat_template_kwargs", Gen.OneOf<string>("{}", "{\"date_string\":\"26 Jul 2024\"}"))))
        .Select((model, messages, sampling, chat) =>
            "{" + (model.Length > 0 ? model + "," : "") + "\"messages\":" + messages + sampling + chat + "}");

    /// <summary>A (legacy) completion request body: <c>prompt</c> as text, a list of texts or token ids.</summary>
    public static readonly Gen<string> Completion = Gen.Select(
        Gen.Frequency<string>((8, Gen.Const($"\"model\":\"{Model}\"")), (1, AnyValue.Select(v => "\"model\":" + v))),
        Gen.Frequency<string>(
            (5, Text),
            (2, Gen.Int[-2, 130000].Array[0, 8].Select(ids => "[" + string.Join(",", ids) + "]")),
            (1, Text.Array[0, 3].Select(t => "[" + string.Join(",", t) + "]")),
            (1, AnyValue)),
        SamplingFields,
        Optional(Field("echo", Gen.OneOf<string>("true", "false")), Field("add_special_tokens", Gen.OneOf<string>("true", "false")),
            Field("stop_token_ids", Gen.OneOf<string>("[128009]", "[]", "[-1]")), Field("skip_special_tokens", Gen.OneOf<string>("false"))))
        .Select((model, prompt, sampling, extra) => "{" + model + ",\"prompt\":" + prompt + sampling + extra + "}");

    /// <summary>One way to break a body: the result is bytes, not necessarily UTF-8 or JSON.</summary>
    private static readonly Gen<Func<byte[], byte[]>> Mutation = Gen.Frequency<Func<byte[], byte[]>>(
        (3, Gen.Select(Gen.Double[0, 1], Gen.Byte).Select<double, byte, Func<byte[], byte[]>>((at, b) => body => Insert(body, at, [b]))),
        (3, Gen.Select(Gen.Double[0, 1], Gen.OneOf<byte[]>([0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xE2, 0x82], [0x00]))
            .Select<double, byte[], Func<byte[], byte[]>>((at, bytes) => body => Insert(body, at, bytes))),
        (2, Gen.Select(Gen.Double[0, 1], Gen.Byte).Select<double, byte, Func<byte[], byte[]>>((at, b) => body => Replace(body, at, b))),
        (2, Gen.Select(Gen.Double[0, 1], Gen.Int[1, 8]).Select<double, int, Func<byte[], byte[]>>((at, n) => body => Delete(body, at, n))),
        (2, Gen.Double[0, 1].Select<double, Func<byte[], byte[]>>(at => body => body[..Index(body, at)])),
        (2, Gen.Select(Gen.Double[0, 1], Gen.OneOf<string>("{", "}", "[", "]", ",", ":", "\"", "\\", "null", "1e999", "{\"a\":", "\\ud800"))
            .Select<double, string, Func<byte[], byte[]>>((at, s) => body => Insert(body, at, Encoding.UTF8.GetBytes(s)))),
        (1, Gen.Double[0, 1].Select<double, Func<byte[], byte[]>>(at => body => Insert(body, at, body[Index(body, at)..]))));

    /// <summary>A valid-looking chat body broken by one to four byte-level mutations.</summary>
    public static Gen<byte[]> Mutated(Gen<string> bodies) =>
        Gen.Select(bodies, Mutation.Array[1, 4]).Select((body, mutations) =>
            mutations.Aggregate(Encoding.UTF8.GetBytes(body), (bytes, mutate) => mutate(bytes)));

    /// <summary>Bodies deeper or bigger than anything sensible.</summary>
    public static readonly Gen<byte[]> Extreme = Gen.OneOf<byte[]>(
        Gen.Int[1, 5000].Select(depth => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))),
        Gen.Int[1, 3000].Select(depth => Encoding.UTF8.GetBytes($"{{\"model\":\"{Model}\",\"messages\":[{{\"role\":\"user\",\"content\":" + string.Concat(Enumerable.Repeat("[", depth)) + "\"x\"" + new string(']', depth) + "}]}")),
        Gen.Int[1, 2000].Select(n => Encoding.UTF8.GetBytes($"{{\"model\":\"{Model}\",\"messages\":[" + string.Join(",", Enumerable.Repeat("{\"role\":\"user\",\"content\":\"hi\"}", n)) + "]}")),
        Gen.Int[1, 200].Select(n => Encoding.UTF8.GetBytes($"{{\"model\":\"{Model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"{new string('x', n * 1000)}\"}}],\"max_tokens\":1}}")));

    private static int Index(byte[] body, double at) => body.Length == 0 ? 0 : Math.Min(body.Length - 1, (int)(at * body.Length));

    private static byte[] Insert(byte[] body, double at, byte[] bytes)
    {
        var i = body.Length == 0 ? 0 : Index(body, at);
        return [.. body[..i], .. bytes, .. body[i..]];
    }

    private static byte[] Replace(byte[] body, double at, byte value)
    {
        if (body.Length == 0)
        {
            return body;
        }

        var copy = (byte[])body.Clone();
        copy[Index(body, at)] = value;
        return copy;
    }

    private static byte[] Delete(byte[] body, double at, int count)
    {
        var i = Index(body, at);
        return [.. body[..i], .. body[Math.Min(body.Length, i + count)..]];
    }
}
