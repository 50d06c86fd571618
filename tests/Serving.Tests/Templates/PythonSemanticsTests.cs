using System.Numerics;
using Aspire70B.Serving.Templates;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Tests.Templates;

public sealed class PythonSemanticsTests
{
    public static TheoryData<int> PythonWhitespace() =>
    [
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
        0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ];

    [Theory]
    [MemberData(nameof(PythonWhitespace))]
    public void StripRemovesEveryCharacterPythonCallsWhitespace(int codePoint)
    {
        var space = char.ConvertFromUtf32(codePoint);
        Assert.Equal("x y", PyString.Strip(space + space + "x y" + space));
    }

    [Theory]
    [InlineData(0x200B)]
    [InlineData(0xFEFF)]
    [InlineData(0x180E)]
    [InlineData(0x00)]
    [InlineData(0x1B)]
    public void StripKeepsCharactersDotNetOrOthersTreatAsSpaceButPythonDoesNot(int codePoint)
    {
        var c = char.ConvertFromUtf32(codePoint);
        Assert.Equal(c + "x" + c, PyString.Strip(c + "x" + c));
    }

    [Fact]
    public void StripWithCharactersStripsThoseCodePointsOnly()
    {
        Assert.Equal("bcb", PyString.Strip("aabcbaa", "a"));
        Assert.Equal("x", PyString.Strip("🚀x🚀", "🚀"));
        Assert.Equal(" x", PyString.RStrip(" x \u3000"));
        Assert.Equal("x \u3000", PyString.LStrip("\u001Fx \u3000"));
    }

    [Fact]
    public void LengthAndIterationCountCodePointsNotUtf16Units()
    {
        Assert.Equal(3, PyString.Length("a🚀b"));
        Assert.Equal(["a", "🚀", "b"], PyString.Characters("a🚀b"));
    }

    [Theory]
    [InlineData("abc", "'abc'")]
    [InlineData("it's", "\"it's\"")]
    [InlineData("it's \"q\"", "'it\\'s \"q\"'")]
    [InlineData("a\nb\tc\\", "'a\\nb\\tc\\\\'")]
    [InlineData("\u0001\u007f\u00a0", "'\\x01\\x7f\\xa0'")]
    [InlineData("é中🚀", "'é中🚀'")]
    [InlineData("\u200b\u2028", "'\\u200b\\u2028'")]
    public void ReprQuotesAndEscapesLikePython(string value, string expected) => Assert.Equal(expected, PyString.Repr(value));

    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(1000.0, "1000.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1e22, "1e+22")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(2.5e-5, "2.5e-05")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(123456789.123, "123456789.123")]
    [InlineData(12345678901234567.0, "1.2345678901234568e+16")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(0.0, "0.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(-2.0, "-2.0")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NaN, "nan")]
    public void FloatReprMatchesPython(double value, string expected) => Assert.Equal(expected, PyFloat.Repr(value));

    [Theory]
    [InlineData("1.50", "1.5")]
    [InlineData("1e3", "1000.0")]
    [InlineData("1E+16", "1e+16")]
    [InlineData("10", "10")]
    [InlineData("-0", "0")]
    [InlineData("-0.0", "-0.0")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("1e400", "Infinity")]
    public void JsonNumbersComeBackAsPythonPrintsThemAfterJsonLoads(string number, string expected) =>
        Assert.Equal(expected, PyJson.Dumps(PyJson.Loads(number), JsonFormat.Default));

    [Fact]
    public void JsonLoadsKeepsKeyOrderAndARepeatedKeyKeepsItsFirstPositionWithTheLastValue()
    {
        var value = PyJson.Loads("""{"b": 1, "a": 2, "b": 3}""");
        Assert.Equal("""{"b": 3, "a": 2}""", PyJson.Dumps(value, JsonFormat.Default));
    }

    [Fact]
    public void JsonDumpsDefaultUsesCommaSpaceAndColonSpaceWithoutAsciiEscaping()
    {
        var value = PyJson.Loads("""{"s": "é \"q\" \\ \n\t\u0001\u007f🚀", "l": [1, 2.0, true, null, {}], "e": []}""");
        Assert.Equal(
            "{\"s\": \"é \\\"q\\\" \\\\ \\n\\t\\u0001\u007f🚀\", \"l\": [1, 2.0, true, null, {}], \"e\": []}",
            PyJson.Dumps(value, JsonFormat.Default));
    }

    [Fact]
    public void JsonDumpsWithIndentPutsItemsOnTheirOwnLinesAndDropsTheSpaceAfterCommas()
    {
        var value = PyJson.Loads("""{"a": {"b": [1, {"c": null}], "d": {}}, "e": []}""");
        var format = JsonFormat.FromPython(new BigInteger(4), null, ensureAscii: false, sortKeys: false);
        Assert.Equal(
            "{\n    \"a\": {\n        \"b\": [\n            1,\n            {\n                \"c\": null\n            }\n        ],\n        \"d\": {}\n    },\n    \"e\": []\n}",
            PyJson.Dumps(value, format));
    }

    [Fact]
    public void JsonDumpsEnsureAsciiEscapesNonAsciiAsLowerCaseSurrogatePairs()
    {
        var format = JsonFormat.FromPython(null, null, ensureAscii: true, sortKeys: false);
        Assert.Equal("\"\\u00e9\\ud83d\\ude80\\u007f\"", PyJson.Dumps("é🚀\u007f", format));
    }

    [Fact]
    public void JsonDumpsSortKeysAndCustomSeparatorsFollowPython()
    {
        var value = PyJson.Loads("""{"b": 1, "a": [1, 2]}""");
        var separators = new PyTuple([",", "="]);
        Assert.Equal("{\"a\"=[1,2],\"b\"=1}", PyJson.Dumps(value, JsonFormat.FromPython(null, separators, ensureAscii: false, sortKeys: true)));
        Assert.Equal("{\"b\":1,\"a\":[1,2]}", PyJson.Dumps(value, JsonFormat.Compact));
    }

    [Fact]
    public void JsonDumpsRefusesValuesPythonCannotSerialise()
    {
        var error = Assert.Throws<ChatTemplateException>(() => PyJson.Dumps(Undefined.Named("x"), JsonFormat.Default));
        Assert.Equal("Object of type Undefined is not JSON serializable", error.Message);
        Assert.Equal("TypeError", error.ErrorType);
    }

    [Fact]
    public void EqualityFollowsPythonAcrossBoolIntAndFloatButNotStrings()
    {
        Assert.True(PyOps.AreEqual(false, BigInteger.Zero));
        Assert.True(PyOps.AreEqual(true, 1.0));
        Assert.True(PyOps.AreEqual(new BigInteger(3), 3.0));
        Assert.False(PyOps.AreEqual(string.Empty, false));
        Assert.False(PyOps.AreEqual(BigInteger.Parse("9007199254740993", System.Globalization.CultureInfo.InvariantCulture), 9007199254740992.0));
        Assert.False(PyOps.AreEqual(new PyList([BigInteger.One]), new PyTuple([BigInteger.One])));
        Assert.True(PyOps.AreEqual(PyJson.Loads("""{"a": [1, 2]}"""), PyJson.Loads("""{"a": [1, 2.0]}""")));
    }

    [Theory]
    [InlineData("str", "int", "can only concatenate str (not \"int\") to str")]
    [InlineData("list", "str", "can only concatenate list (not \"str\") to list")]
    [InlineData("int", "str", "unsupported operand type(s) for +: 'int' and 'str'")]
    [InlineData("none", "str", "unsupported operand type(s) for +: 'NoneType' and 'str'")]
    public void AddingMismatchedTypesFailsWithPythonsMessage(string left, string right, string expected)
    {
        static object? Sample(string type) => type switch
        {
            "str" => "a",
            "int" => BigInteger.One,
            "list" => new PyList(),
            _ => null,
        };

        var error = Assert.Throws<ChatTemplateException>(() => PyArithmetic.Add(Sample(left), Sample(right)));
        Assert.Equal(expected, error.Message);
        Assert.Equal("TypeError", error.ErrorType);
    }

    [Fact]
    public void ArithmeticFollowsPythonFloorSemantics()
    {
        Assert.Equal(new BigInteger(-4), PyArithmetic.FloorDivide(new BigInteger(-7), new BigInteger(2)));
        Assert.Equal(new BigInteger(2), PyArithmetic.Modulo(new BigInteger(-7), new BigInteger(3)));
        Assert.Equal(new BigInteger(-2), PyArithmetic.Modulo(new BigInteger(7), new BigInteger(-3)));
        Assert.Equal(3.5, PyArithmetic.TrueDivide(new BigInteger(7), new BigInteger(2)));
        Assert.Equal(new BigInteger(2), PyArithmetic.Add(true, true));
        Assert.Equal("ababab", PyArithmetic.Multiply("ab", new BigInteger(3)));
    }

    [Fact]
    public void MembershipFollowsPythonForStringsListsAndDicts()
    {
        Assert.True(PyOps.Contains("brave_search", "search"));
        Assert.True(PyOps.Contains(new PyList(["a", "b"]), "b"));
        Assert.True(PyOps.Contains(PyJson.Loads("""{"tool_calls": []}"""), "tool_calls"));
        Assert.False(PyOps.Contains(Undefined.Named("x"), "a"));
        var error = Assert.Throws<ChatTemplateException>(() => PyOps.Contains("abc", BigInteger.One));
        Assert.Equal("'in <string>' requires string as left operand, not int", error.Message);
    }

    [Fact]
    public void StrOfContainersIsPythonRepr()
    {
        var value = PyJson.Loads("""{"a": [1, "it's", null, true, 1.50], "b": {}}""");
        Assert.Equal("{'a': [1, \"it's\", None, True, 1.5], 'b': {}}", PyOps.Str(value));
        Assert.Equal("('x',)", PyOps.Str(new PyTuple(["x"])));
        Assert.Equal(string.Empty, PyOps.Str(Undefined.Named("x")));
    }
}
