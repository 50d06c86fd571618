using Aspire70B.Serving.Templates;
using Aspire70B.Serving.Templates.Jinja;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Tests.Templates;

public sealed class JinjaInterpreterTests
{
    [Theory]
    [InlineData("a  {%- if true %}x{% endif %}", "ax")]
    [InlineData("{% if true -%}   \n  x{% endif %}", "x")]
    [InlineData("{{ 'a' -}}   \n  b", "ab")]
    [InlineData("a \n{{- 'b' }}", "ab")]
    [InlineData("a {#- note -#} b", "ab")]
    [InlineData("{{ 'v' }}\nz", "v\nz")]
    public void DashStripsAllWhitespaceOnItsSide(string source, string expected) => Assert.Equal(expected, Render(source));

    [Theory]
    [InlineData("{% if true %}\nx{% endif %}\ny", "xy")]
    [InlineData("{# comment #}\nx", "x")]
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")]
    [InlineData("{{ 'x' }}\ny", "x\ny")]
    [InlineData("{% if true %}\n\nx{% endif %}", "\nx")]
    public void TrimBlocksDropsOnlyTheFirstNewlineAfterABlockOrCommentTag(string source, string expected) =>
        Assert.Equal(expected, Render(source));

    [Theory]
    [InlineData("line\n    {% if true %}\n    yes\n    {% endif %}\nend", "line\n    yes\nend")]
    [InlineData("   {% if true %}y{% endif %}", "y")]
    [InlineData("{% if true %}\n    {% if true %}x{% endif %}{% endif %}", "x")]
    [InlineData("{{ 'a' }}    {% if true %}x{% endif %}", "a    x")]
    [InlineData("\u3000\t{# c #}y", "y")]
    [InlineData("x {% if true %}y{% endif %}", "x y")]
    [InlineData("  {%+ if true %}x{% endif %}", "  x")]
    [InlineData("  {{ 'v' }}", "  v")]
    public void LstripBlocksDropsIndentationBeforeBlockTagsOnTheirOwnLine(string source, string expected) =>
        Assert.Equal(expected, Render(source));

    [Theory]
    [InlineData("x\n", "x")]
    [InlineData("x\n\n", "x\n")]
    [InlineData("a\r\nb", "a\nb")]
    public void OneTrailingNewlineIsDroppedAndLineEndingsAreNormalised(string source, string expected) =>
        Assert.Equal(expected, Render(source));

    [Fact]
    public void SetInsideALoopLastsOneIterationAndSetInsideAnIfLeaks()
    {
        const string source = "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i * 10 %}{{ x }};{% endfor %}{{ x }}"
            + "{% if true %}{% set y = 2 %}{% endif %}{{ y }}";
        Assert.Equal("110;120;12", Render(source));
    }

    [Fact]
    public void LoopVariablesElseBreakAndContinueBehaveLikeJinja()
    {
        Assert.Equal("0a1,1b2,2c3.", Render("{% for c in 'abc' %}{{ loop.index0 }}{{ c }}{{ loop.index }}{% if not loop.last %},{% else %}.{% endif %}{% endfor %}"));
        Assert.Equal("empty", Render("{% for x in [] %}x{% else %}empty{% endfor %}"));
        Assert.Equal("13", Render("{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"));
        Assert.Equal("24", Render("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{% endfor %}"));
        Assert.Equal("a=1;b=2;", Render("{% for k, v in {'a': 1, 'b': 2} | items %}{{ k }}={{ v }};{% endfor %}"));
        Assert.Equal("first3", Render("{% for x in [1, 2, 3] %}{% if loop.first %}first{% endif %}{% if loop.last %}{{ loop.length }}{% endif %}{% endfor %}"));
    }

    [Theory]
    [InlineData("{{ '' != false }}", "True")]
    [InlineData("{{ 0 == false }}", "True")]
    [InlineData("{{ 1 == 1.0 }}", "True")]
    [InlineData("{{ 'abc' is iterable }}", "True")]
    [InlineData("{{ 5 is iterable }}", "False")]
    [InlineData("{{ {} is mapping }}", "True")]
    [InlineData("{{ missing is defined }}", "False")]
    [InlineData("{{ none is none }}", "True")]
    [InlineData("{{ x is not none }}", "True")]
    [InlineData("{{ [1, 2] ~ 'x' }}", "[1, 2]x")]
    [InlineData("{{ {'a': [1, 'b', none, true, 1.5]} }}", "{'a': [1, 'b', None, True, 1.5]}")]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 3 ** 2 }}", "3 -4 2 3.5 64")]
    [InlineData("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", "7 9 True False")]
    [InlineData("{{ 'a' in 'cat' }} {{ 'z' not in ['a'] }} {{ not 1 }}", "True True False")]
    [InlineData("{{ none }} {{ true }} {{ 1.50 }} {{ missing }}|", "None True 1.5 |")]
    [InlineData("{{ 'x' if false }}|{{ 'y' if false else 'z' }}", "|z")]
    [InlineData("{{ 0 or 'd' }} {{ 1 and 'e' }} {{ '' and 'f' }}|", "d e |")]
    [InlineData("{{ 'it' 's' 'x' }}", "itsx")]
    [InlineData("{{ 'a\\nb' }}", "a\nb")]
    [InlineData("{{ \"\\u00e9\\t\\\\\" }}", "é\t\\")]
    public void ExpressionsFollowPythonSemantics(string source, string expected) =>
        Assert.Equal(expected, Render(source, """{"x": 0}"""));

    [Theory]
    [InlineData("{{ '  a  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' a '.lstrip() }}|", "a|a|a |")]
    [InlineData("{{ 'a b  c'.split() }}", "['a', 'b', 'c']")]
    [InlineData("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }}", "True True")]
    [InlineData("{{ d.get('a') }} {{ d.get('z', 'no') }} {{ d.get('z') }}", "1 no None")]
    [InlineData("{{ d['a'] }} {{ d.a }} {{ d.keys() | list }}", "1 1 ['a', 'b']")]
    [InlineData("{{ l[1:] }} {{ l[:-1] }} {{ l[::-1] }} {{ l[-1] }} {{ 'hello'[1:3] }} {{ '🚀ab'[0] }}", "[2, 3] [1, 2] [3, 2, 1] 3 el 🚀")]
    public void MethodsAndSubscriptsFollowPython(string source, string expected) =>
        Assert.Equal(expected, Render(source, """{"d": {"a": 1, "b": 2}, "l": [1, 2, 3]}"""));

    [Theory]
    [InlineData("{{ '  x \u3000'|trim }}", "x")]
    [InlineData("{{ x|tojson }}", "{\"a\": [1, 2.5], \"é\": null}")]
    [InlineData("{{ x|tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    2.5\n  ],\n  \"é\": null\n}")]
    [InlineData("{{ x|tojson(sort_keys=true, ensure_ascii=true) }}", "{\"a\": [1, 2.5], \"\\u00e9\": null}")]
    [InlineData("{{ '🚀'|length }} {{ x|length }} {{ missing|length }}", "1 2 0")]
    [InlineData("{{ ['a', 'b', 'c']|reject('equalto', 'b')|join(', ') }}", "a, c")]
    [InlineData("{{ [1, 0, 2]|select|list }}", "[1, 2]")]
    [InlineData("{{ missing|default('d') }} {{ ''|default('e', true) }} {{ [3, 4]|first }} {{ [3, 4]|last }}", "d e 3 4")]
    [InlineData("{{ 'Ab'|lower }}{{ 'Ab'|upper }}{{ 5|string }}{{ 'aXa'|replace('X', '-') }}", "abAB5a-a")]
    [InlineData("{{ [1, 'a', none]|join('/') }}", "1/a/None")]
    public void FiltersBehaveLikeHuggingFacesEnvironment(string source, string expected) =>
        Assert.Equal(expected, Render(source, """{"x": {"a": [1, 2.50], "é": null}}"""));

    [Theory]
    [InlineData("{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str", "TypeError")]
    [InlineData("{{ missing.attr }}", "'missing' is undefined", "UndefinedError")]
    [InlineData("{{ missing + 'x' }}", "'missing' is undefined", "UndefinedError")]
    [InlineData("{{ d.k.x }}", "'dict object' has no attribute 'k'", "UndefinedError")]
    [InlineData("{{ l[5]['role'] }}", "list object has no element 5", "UndefinedError")]
    [InlineData("{{ raise_exception('Stop: ' ~ 3) }}", "Stop: 3", "TemplateError")]
    [InlineData("{{ 5|items }}", "Can only get item pairs from a mapping.", "TypeError")]
    [InlineData("{% for a, b in [[1, 2, 3]] %}{% endfor %}", "too many values to unpack (expected 2)", "ValueError")]
    [InlineData("{% for x in none %}{% endfor %}", "'NoneType' object is not iterable", "TypeError")]
    [InlineData("{{ 1 / 0 }}", "division by zero", "ZeroDivisionError")]
    [InlineData("{{ 'x'() }}", "'str' object is not callable", "TypeError")]
    public void RuntimeErrorsCarryTheReferenceMessage(string source, string message, string errorType)
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render(source, """{"d": {}, "l": []}"""));
        Assert.Equal(message, error.Message);
        Assert.Equal(errorType, error.ErrorType);
    }

    [Theory]
    [InlineData("{% macro m() %}x{% endmacro %}", "Encountered unsupported tag 'macro'.")]
    [InlineData("{% frobnicate %}", "Encountered unknown tag 'frobnicate'.")]
    [InlineData("{{ x | nosuchfilter }}", "No filter named 'nosuchfilter'.")]
    [InlineData("{{ x is nosuchtest }}", "No test named 'nosuchtest'.")]
    [InlineData("{% if x %}never closed", "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'.")]
    [InlineData("{{ }}", "Expected an expression, got end of print statement")]
    [InlineData("{{ x", "unexpected end of template, expected '}}'")]
    [InlineData("{% break %}", "'break' outside of a loop")]
    [InlineData("{% for x in y recursive %}{% endfor %}", "recursive loops are not supported")]
    [InlineData("{% set ns.x = 1 %}", "assigning to an attribute (namespace objects) is not supported")]
    [InlineData("{{ x ? y }}", "unexpected char '?'")]
    [InlineData("{{ f(*args) }}", "*args and **kwargs in calls are not supported")]
    [InlineData("{{ a is defined is defined }}", "You cannot chain multiple tests with is")]
    [InlineData("{# open comment", "Missing end of comment tag")]
    public void UnsupportedOrInvalidSyntaxFailsAtParseTime(string source, string message)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => JinjaTemplate.Parse(source));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TemplateIsParsedOnceAndRendersManyTimesWithDifferentVariables()
    {
        var template = JinjaTemplate.Parse("{{ name }}!");
        Assert.Equal("a!", template.Render(new Dictionary<string, object?> { ["name"] = "a" }));
        Assert.Equal("b!", template.Render(new Dictionary<string, object?> { ["name"] = "b" }));
    }

    private static string Render(string source, string variablesJson = "{}")
    {
        var variables = (PyDict)PyJson.Loads(variablesJson)!;
        return JinjaTemplate.Parse(source).Render(variables.ToDictionary(p => p.Key, p => p.Value));
    }
}
