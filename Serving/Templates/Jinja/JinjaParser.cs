namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// Builds the statement tree of a template: text, <c>{{ expression }}</c>, <c>if/elif/else</c>, <c>for/else</c> (with an
/// inline <c>if</c> filter), <c>set</c>, <c>break</c> and <c>continue</c>; expressions are left to
/// <see cref="JinjaExpressionParser"/>. Anything else fails with a <see cref="TemplateSyntaxException"/>.
/// </summary>
internal sealed class JinjaParser
{
    private static readonly HashSet<string> UnsupportedTags = new(StringComparer.Ordinal)
    {
        "macro", "call", "filter", "block", "extends", "include", "import", "from", "with", "autoescape", "raw",
        "generation", "do",
    };

    private readonly TokenStream _tokens;
    private readonly JinjaExpressionParser _expressions;
    private int _loopDepth;

    private JinjaParser(List<Token> tokens)
    {
        _tokens = new TokenStream(tokens);
        _expressions = new JinjaExpressionParser(_tokens);
    }

    public static IReadOnlyList<Statement> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        return parser.Subparse([]);
    }

    private Token Current => _tokens.Current;

    private Token Next() => _tokens.Next();

    private Token Expect(TokenKind kind, string? value = null) => _tokens.Expect(kind, value);

    private bool SkipOperator(string op) => _tokens.SkipOperator(op);

    private bool SkipName(string name) => _tokens.SkipName(name);

    private TemplateSyntaxException Fail(string message) => _tokens.Fail(message);

    private List<Statement> Subparse(string[] endTags)
    {
        var body = new List<Statement>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Data:
                    Next();
                    body.Add(new TextStatement(token.Value, token.Line));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    var value = _expressions.ParseTuple(withCondition: true);
                    Expect(TokenKind.VariableEnd);
                    body.Add(new OutputStatement(value, token.Line));
                    break;
                case TokenKind.BlockBegin:
                    Next();
                    if (Current.Kind == TokenKind.Name && endTags.Contains(Current.Value))
                    {
                        return body;
                    }

                    body.Add(ParseStatement());
                    break;
                case TokenKind.End:
                    return endTags.Length == 0
                        ? body
                        : throw Fail($"Unexpected end of template. Jinja was looking for the following tags: {string.Join(" or ", endTags.Select(t => $"'{t}'"))}.");
                default:
                    throw Fail($"unexpected {token}");
            }
        }
    }

    private Statement ParseStatement()
    {
        var token = Current;
        if (token.Kind != TokenKind.Name)
        {
            throw Fail("tag name expected");
        }

        switch (token.Value)
        {
            case "if":
                return ParseIf();
            case "for":
                return ParseFor();
            case "set":
                return ParseSet();
            case "break" or "continue":
                Next();
                if (_loopDepth == 0)
                {
                    throw Fail($"'{token.Value}' outside of a loop");
                }

                Expect(TokenKind.BlockEnd);
                return token.Value == "break" ? new BreakStatement(token.Line) : new ContinueStatement(token.Line);
            default:
                throw UnsupportedTags.Contains(token.Value)
                    ? Fail($"Encountered unsupported tag '{token.Value}'.")
                    : Fail($"Encountered unknown tag '{token.Value}'.");
        }
    }

    private IfStatement ParseIf()
    {
        var line = Next().Line;
        var branches = new List<ConditionalBody>();
        IReadOnlyList<Statement>? otherwise = null;
        var test = _expressions.ParseTuple(withCondition: false);
        while (true)
        {
            Expect(TokenKind.BlockEnd);
            branches.Add(new ConditionalBody(test, Subparse(["elif", "else", "endif"])));
            var tag = Next();
            if (tag.IsName("elif"))
            {
                test = _expressions.ParseTuple(withCondition: false);
                continue;
            }

            if (tag.IsName("else"))
            {
                Expect(TokenKind.BlockEnd);
                otherwise = Subparse(["endif"]);
                Next();
            }

            Expect(TokenKind.BlockEnd);
            return new IfStatement(branches, otherwise, line);
        }
    }

    private ForStatement ParseFor()
    {
        var line = Next().Line;
        var target = ParseAssignTarget();
        Expect(TokenKind.Name, "in");
        var iterable = _expressions.ParseTuple(withCondition: false, extraEnd: "recursive");
        var filter = SkipName("if") ? _expressions.ParseExpression(withCondition: true) : null;
        if (Current.IsName("recursive"))
        {
            throw Fail("recursive loops are not supported");
        }

        Expect(TokenKind.BlockEnd);
        _loopDepth++;
        var body = Subparse(["endfor", "else"]);
        _loopDepth--;
        IReadOnlyList<Statement>? otherwise = null;
        if (Next().IsName("else"))
        {
            Expect(TokenKind.BlockEnd);
            otherwise = Subparse(["endfor"]);
            Next();
        }

        Expect(TokenKind.BlockEnd);
        return new ForStatement(target, iterable, filter, body, otherwise, line);
    }

    private SetStatement ParseSet()
    {
        var line = Next().Line;
        var target = ParseAssignTarget();
        if (Current.IsOperator("."))
        {
            throw Fail("assigning to an attribute (namespace objects) is not supported");
        }

        if (!SkipOperator("="))
        {
            throw Fail("block assignments ({% set x %}...{% endset %}) are not supported");
        }

        var value = _expressions.ParseTuple(withCondition: true);
        Expect(TokenKind.BlockEnd);
        return new SetStatement(target, value, line);
    }

    private AssignTarget ParseAssignTarget()
    {
        var names = new List<string> { ParseAssignName() };
        var isTuple = false;
        while (SkipOperator(","))
        {
            isTuple = true;
            if (Current.IsName("in") || Current.IsOperator("="))
            {
                break;
            }

            names.Add(ParseAssignName());
        }

        return new AssignTarget(names, isTuple);
    }

    private string ParseAssignName()
    {
        var token = Current;
        if (token.Kind != TokenKind.Name || token.Value is "true" or "false" or "True" or "False" or "none" or "None")
        {
            throw Fail($"can't assign to {token}");
        }

        Next();
        return token.Value;
    }
}
