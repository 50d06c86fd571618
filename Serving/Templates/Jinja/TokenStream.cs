namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>The lexer's tokens with one token of lookahead, for the statement and expression parsers.</summary>
internal sealed class TokenStream(List<Token> tokens)
{
    private int _position;

    public Token Current => tokens[_position];

    public Token Look(int ahead = 1) => tokens[Math.Min(_position + ahead, tokens.Count - 1)];

    public Token Next()
    {
        var token = Current;
        if (_position < tokens.Count - 1)
        {
            _position++;
        }

        return token;
    }

    public Token Expect(TokenKind kind, string? value = null)
    {
        var token = Current;
        if (token.Kind != kind || (value is not null && token.Value != value))
        {
            var wanted = value is not null ? $"'{value}'" : kind switch
            {
                TokenKind.BlockEnd => "end of statement block",
                TokenKind.VariableEnd => "end of print statement",
                _ => kind.ToString().ToLowerInvariant(),
            };
            throw Fail($"expected token {wanted}, got {token}");
        }

        return Next();
    }

    public bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op))
        {
            return false;
        }

        Next();
        return true;
    }

    public bool SkipName(string name)
    {
        if (!Current.IsName(name))
        {
            return false;
        }

        Next();
        return true;
    }

    public TemplateSyntaxException Fail(string message) => new(message, Current.Line);
}
