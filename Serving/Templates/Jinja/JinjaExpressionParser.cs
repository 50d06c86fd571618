using System.Globalization;
using System.Numerics;

namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// Jinja's expression grammar and precedence (lowest first): <c>x if c else y</c>, <c>or</c>, <c>and</c>, <c>not</c>,
/// comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c> (left-associative, as in Jinja), unary
/// <c>- +</c>, then filters (<c>|</c>) and tests (<c>is</c>) on a primary with its attribute, item and call suffixes.
/// Unknown filters and tests fail here, at parse time.
/// </summary>
internal sealed class JinjaExpressionParser(TokenStream tokens)
{
    private readonly TokenStream _tokens = tokens;

    private Token Current => _tokens.Current;

    private Token Look(int ahead = 1) => _tokens.Look(ahead);

    private Token Next() => _tokens.Next();

    private Token Expect(TokenKind kind, string? value = null) => _tokens.Expect(kind, value);

    private bool SkipOperator(string op) => _tokens.SkipOperator(op);

    private bool SkipName(string name) => _tokens.SkipName(name);

    private TemplateSyntaxException Fail(string message) => _tokens.Fail(message);

    public Expression ParseTuple(bool withCondition, string? extraEnd = null, bool explicitParentheses = false)
    {
        var line = Current.Line;
        var items = new List<Expression>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
            }

            if (IsTupleEnd(extraEnd))
            {
                break;
            }

            items.Add(ParseExpression(withCondition));
            if (Current.IsOperator(","))
            {
                isTuple = true;
            }
            else
            {
                break;
            }
        }

        if (!isTuple)
        {
            if (items.Count > 0)
            {
                return items[0];
            }

            if (!explicitParentheses)
            {
                throw Fail($"Expected an expression, got {Current}");
            }
        }

        return new TupleExpression(items, line);
    }

    private bool IsTupleEnd(string? extraEnd) =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd
        || Current.IsOperator(")")
        || (extraEnd is not null && Current.IsName(extraEnd));

    public Expression ParseExpression(bool withCondition) => withCondition ? ParseConditional() : ParseOr();

    private Expression ParseConditional()
    {
        var expression = ParseOr();
        while (Current.IsName("if"))
        {
            var line = Next().Line;
            var test = ParseOr();
            var otherwise = SkipName("else") ? ParseConditional() : null;
            expression = new ConditionalExpression(test, expression, otherwise, line);
        }

        return expression;
    }

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var line = Next().Line;
            left = new OrExpression(left, ParseAnd(), line);
        }

        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var line = Next().Line;
            left = new AndExpression(left, ParseNot(), line);
        }

        return left;
    }

    private Expression ParseNot()
    {
        if (Current.IsName("not"))
        {
            var line = Next().Line;
            return new NotExpression(ParseNot(), line);
        }

        return ParseCompare();
    }

    private Expression ParseCompare()
    {
        var line = Current.Line;
        var first = ParseMath1();
        var rest = new List<ComparisonOperand>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && Current.Value is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                var op = Next().Value;
                rest.Add(new ComparisonOperand(op, ParseMath1()));
            }
            else if (SkipName("in"))
            {
                rest.Add(new ComparisonOperand("in", ParseMath1()));
            }
            else if (Current.IsName("not") && Look().IsName("in"))
            {
                Next();
                Next();
                rest.Add(new ComparisonOperand("not in", ParseMath1()));
            }
            else
            {
                break;
            }
        }

        return rest.Count == 0 ? first : new CompareExpression(first, rest, line);
    }

    private Expression ParseMath1()
    {
        var left = ParseConcat();
        while (Current.Kind == TokenKind.Operator && Current.Value is "+" or "-")
        {
            var token = Next();
            left = new BinaryExpression(token.Value, left, ParseConcat(), token.Line);
        }

        return left;
    }

    private Expression ParseConcat()
    {
        var line = Current.Line;
        var operands = new List<Expression> { ParseMath2() };
        while (SkipOperator("~"))
        {
            operands.Add(ParseMath2());
        }

        return operands.Count == 1 ? operands[0] : new ConcatExpression(operands, line);
    }

    private Expression ParseMath2()
    {
        var left = ParsePower();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var token = Next();
            left = new BinaryExpression(token.Value, left, ParsePower(), token.Line);
        }

        return left;
    }

    private Expression ParsePower()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var token = Next();
            left = new BinaryExpression("**", left, ParseUnary(withFilter: true), token.Line);
        }

        return left;
    }

    private Expression ParseUnary(bool withFilter)
    {
        var token = Current;
        Expression node;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            Next();
            node = new UnaryExpression(token.Value, ParseUnary(withFilter: false), token.Line);
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilter ? ParseFilterExpression(node) : node;
    }

    private Expression ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                Next();
                return token.Value switch
                {
                    "true" or "True" => new ConstantExpression(true, token.Line),
                    "false" or "False" => new ConstantExpression(false, token.Line),
                    "none" or "None" => new ConstantExpression(null, token.Line),
                    _ => new NameExpression(token.Value, token.Line),
                };
            case TokenKind.String:
                var text = Next().Value;
                while (Current.Kind == TokenKind.String)
                {
                    text += Next().Value;
                }

                return new ConstantExpression(text, token.Line);
            case TokenKind.Integer:
                Next();
                return new ConstantExpression(BigInteger.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Float:
                Next();
                return new ConstantExpression(double.Parse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Operator when token.Value == "(":
                Next();
                var inner = ParseTuple(withCondition: true, explicitParentheses: true);
                Expect(TokenKind.Operator, ")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                return ParseList();
            case TokenKind.Operator when token.Value == "{":
                return ParseDict();
            default:
                throw Fail($"unexpected {token}");
        }
    }

    private ListExpression ParseList()
    {
        var line = Expect(TokenKind.Operator, "[").Line;
        var items = new List<Expression>();
        while (!Current.IsOperator("]"))
        {
            if (items.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (Current.IsOperator("]"))
                {
                    break;
                }
            }

            items.Add(ParseExpression(withCondition: true));
        }

        Expect(TokenKind.Operator, "]");
        return new ListExpression(items, line);
    }

    private DictExpression ParseDict()
    {
        var line = Expect(TokenKind.Operator, "{").Line;
        var items = new List<KeyValuePair<Expression, Expression>>();
        while (!Current.IsOperator("}"))
        {
            if (items.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (Current.IsOperator("}"))
                {
                    break;
                }
            }

            var key = ParseExpression(withCondition: true);
            Expect(TokenKind.Operator, ":");
            items.Add(new(key, ParseExpression(withCondition: true)));
        }

        Expect(TokenKind.Operator, "}");
        return new DictExpression(items, line);
    }

    private Expression ParsePostfix(Expression node)
    {
        while (true)
        {
            if (Current.IsOperator("."))
            {
                Next();
                var attribute = Next();
                node = attribute.Kind switch
                {
                    TokenKind.Name => new AttributeExpression(node, attribute.Value, attribute.Line),
                    TokenKind.Integer => new ItemExpression(
                        node, new ConstantExpression(BigInteger.Parse(attribute.Value, CultureInfo.InvariantCulture), attribute.Line), attribute.Line),
                    _ => throw Fail("expected name or number"),
                };
            }
            else if (Current.IsOperator("["))
            {
                node = ParseSubscript(node);
            }
            else if (Current.IsOperator("("))
            {
                node = new CallExpression(node, ParseCallArguments(), Current.Line);
            }
            else
            {
                return node;
            }
        }
    }

    private ItemExpression ParseSubscript(Expression node)
    {
        var line = Next().Line;
        var keys = new List<Expression>();
        while (!Current.IsOperator("]"))
        {
            if (keys.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
            }

            keys.Add(ParseSubscribed());
        }

        Expect(TokenKind.Operator, "]");
        return new ItemExpression(node, keys.Count == 1 ? keys[0] : new TupleExpression(keys, line), line);
    }

    private Expression ParseSubscribed()
    {
        var line = Current.Line;
        Expression? start = null;
        if (!SkipOperator(":"))
        {
            start = ParseExpression(withCondition: true);
            if (!SkipOperator(":"))
            {
                return start;
            }
        }

        Expression? stop = null;
        if (!Current.IsOperator(":") && !Current.IsOperator("]") && !Current.IsOperator(","))
        {
            stop = ParseExpression(withCondition: true);
        }

        Expression? step = null;
        if (SkipOperator(":") && !Current.IsOperator("]") && !Current.IsOperator(","))
        {
            step = ParseExpression(withCondition: true);
        }

        return new SliceExpression(start, stop, step, line);
    }

    private Arguments ParseCallArguments()
    {
        Expect(TokenKind.Operator, "(");
        var positional = new List<Expression>();
        var keyword = new List<KeyValuePair<string, Expression>>();
        var requireComma = false;
        while (!Current.IsOperator(")"))
        {
            if (requireComma)
            {
                Expect(TokenKind.Operator, ",");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }

            if (Current.IsOperator("*") || Current.IsOperator("**"))
            {
                throw Fail("*args and **kwargs in calls are not supported");
            }

            if (Current.Kind == TokenKind.Name && Look().IsOperator("="))
            {
                var name = Next().Value;
                Next();
                keyword.Add(new(name, ParseExpression(withCondition: true)));
            }
            else
            {
                if (keyword.Count > 0)
                {
                    throw Fail("invalid syntax for function call expression");
                }

                positional.Add(ParseExpression(withCondition: true));
            }

            requireComma = true;
        }

        Expect(TokenKind.Operator, ")");
        return new Arguments(positional, keyword);
    }

    private Expression ParseFilterExpression(Expression node)
    {
        while (true)
        {
            if (SkipOperator("|"))
            {
                var token = Expect(TokenKind.Name);
                var name = token.Value;
                if (!JinjaFilters.Exists(name))
                {
                    throw new TemplateSyntaxException($"No filter named '{name}'.", token.Line);
                }

                var arguments = Current.IsOperator("(") ? ParseCallArguments() : Arguments.Empty;
                node = new FilterExpression(node, name, arguments, token.Line);
            }
            else if (Current.IsName("is"))
            {
                node = ParseTest(node);
            }
            else if (Current.IsOperator("("))
            {
                node = new CallExpression(node, ParseCallArguments(), Current.Line);
            }
            else
            {
                return node;
            }
        }
    }

    private Expression ParseTest(Expression node)
    {
        var line = Next().Line;
        var negated = SkipName("not");
        var name = Expect(TokenKind.Name).Value;
        if (!JinjaTests.Exists(name))
        {
            throw new TemplateSyntaxException($"No test named '{name}'.", line);
        }

        var arguments = Arguments.Empty;
        if (Current.IsOperator("("))
        {
            arguments = ParseCallArguments();
        }
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{"))
                 && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and"))
        {
            if (Current.IsName("is"))
            {
                throw Fail("You cannot chain multiple tests with is");
            }

            arguments = new Arguments([ParsePostfix(ParsePrimary())], []);
        }

        Expression test = new TestExpression(node, name, arguments, line);
        return negated ? new NotExpression(test, line) : test;
    }

}
