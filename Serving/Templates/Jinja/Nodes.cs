namespace Aspire70B.Serving.Templates.Jinja;

// The parsed template: statements and expressions, built once by JinjaParser and walked by JinjaRenderer.

internal abstract record Statement(int Line);

internal sealed record TextStatement(string Text, int Line) : Statement(Line);

internal sealed record OutputStatement(Expression Value, int Line) : Statement(Line);

internal sealed record IfStatement(IReadOnlyList<ConditionalBody> Branches, IReadOnlyList<Statement>? Else, int Line) : Statement(Line);

internal sealed record ConditionalBody(Expression Test, IReadOnlyList<Statement> Body);

internal sealed record ForStatement(
    AssignTarget Target, Expression Iterable, Expression? Filter, IReadOnlyList<Statement> Body, IReadOnlyList<Statement>? Else, int Line)
    : Statement(Line);

internal sealed record SetStatement(AssignTarget Target, Expression Value, int Line) : Statement(Line);

internal sealed record BreakStatement(int Line) : Statement(Line);

internal sealed record ContinueStatement(int Line) : Statement(Line);

/// <summary>A name, or several names to unpack a sequence into (<c>for key, value in ...</c>).</summary>
internal sealed record AssignTarget(IReadOnlyList<string> Names, bool IsTuple);

internal abstract record Expression(int Line);

internal sealed record ConstantExpression(object? Value, int Line) : Expression(Line);

internal sealed record NameExpression(string Name, int Line) : Expression(Line);

internal sealed record AttributeExpression(Expression Target, string Name, int Line) : Expression(Line);

internal sealed record ItemExpression(Expression Target, Expression Key, int Line) : Expression(Line);

internal sealed record SliceExpression(Expression? Start, Expression? Stop, Expression? Step, int Line) : Expression(Line);

internal sealed record CallExpression(Expression Callee, Arguments Arguments, int Line) : Expression(Line);

internal sealed record FilterExpression(Expression Target, string Name, Arguments Arguments, int Line) : Expression(Line);

internal sealed record TestExpression(Expression Target, string Name, Arguments Arguments, int Line) : Expression(Line);

internal sealed record NotExpression(Expression Operand, int Line) : Expression(Line);

internal sealed record UnaryExpression(string Operator, Expression Operand, int Line) : Expression(Line);

internal sealed record BinaryExpression(string Operator, Expression Left, Expression Right, int Line) : Expression(Line);

internal sealed record ConcatExpression(IReadOnlyList<Expression> Operands, int Line) : Expression(Line);

internal sealed record CompareExpression(Expression First, IReadOnlyList<ComparisonOperand> Rest, int Line) : Expression(Line);

internal sealed record ComparisonOperand(string Operator, Expression Operand);

internal sealed record AndExpression(Expression Left, Expression Right, int Line) : Expression(Line);

internal sealed record OrExpression(Expression Left, Expression Right, int Line) : Expression(Line);

internal sealed record ConditionalExpression(Expression Test, Expression Then, Expression? Else, int Line) : Expression(Line);

internal sealed record ListExpression(IReadOnlyList<Expression> Items, int Line) : Expression(Line);

internal sealed record TupleExpression(IReadOnlyList<Expression> Items, int Line) : Expression(Line);

internal sealed record DictExpression(IReadOnlyList<KeyValuePair<Expression, Expression>> Items, int Line) : Expression(Line);

internal sealed record Arguments(IReadOnlyList<Expression> Positional, IReadOnlyList<KeyValuePair<string, Expression>> Keyword)
{
    public static readonly Arguments Empty = new([], []);
}
