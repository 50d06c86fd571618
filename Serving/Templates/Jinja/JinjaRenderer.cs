using System.Text;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// Walks a parsed template and writes its output. Values follow Python semantics (<see cref="PyOps"/>); printing is
/// Python's <c>str()</c> with no HTML escaping (Hugging Face renders with autoescape off).
/// Not thread-safe: one renderer per render.
/// </summary>
internal sealed class JinjaRenderer
{
    private readonly StringBuilder _output = new();

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public static string Render(IReadOnlyList<Statement> template, IReadOnlyDictionary<string, object?> variables)
    {
        var globals = new Scope(null);
        globals.Set("raise_exception", RaiseException.Instance);
        var scope = new Scope(globals);
        foreach (var (name, value) in variables)
        {
            scope.Set(name, value);
        }

        var renderer = new JinjaRenderer();
        renderer.Execute(template, scope);
        return renderer._output.ToString();
    }

    private Flow Execute(IReadOnlyList<Statement> body, Scope scope)
    {
        foreach (var statement in body)
        {
            var flow = Execute(statement, scope);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private Flow Execute(Statement statement, Scope scope)
    {
        switch (statement)
        {
            case TextStatement text:
                _output.Append(text.Text);
                return Flow.Normal;
            case OutputStatement output:
                _output.Append(PyOps.Str(Evaluate(output.Value, scope)));
                return Flow.Normal;
            case IfStatement conditional:
                foreach (var branch in conditional.Branches)
                {
                    if (PyOps.IsTruthy(Evaluate(branch.Test, scope)))
                    {
                        return Execute(branch.Body, scope);
                    }
                }

                return conditional.Else is null ? Flow.Normal : Execute(conditional.Else, scope);
            case ForStatement loop:
                return ExecuteFor(loop, scope);
            case SetStatement set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return Flow.Normal;
            case BreakStatement:
                return Flow.Break;
            case ContinueStatement:
                return Flow.Continue;
            default:
                throw new InvalidOperationException($"Unknown statement {statement.GetType().Name}.");
        }
    }

    private Flow ExecuteFor(ForStatement loop, Scope scope)
    {
        IReadOnlyList<object?> items = PyOps.Iterate(Evaluate(loop.Iterable, scope));
        if (loop.Filter is not null)
        {
            items = [.. items.Where(item =>
            {
                var filterScope = new Scope(scope);
                Assign(loop.Target, item, filterScope);
                return PyOps.IsTruthy(Evaluate(loop.Filter, filterScope));
            })];
        }

        for (var i = 0; i < items.Count; i++)
        {
            // Each iteration gets a fresh scope: a set inside the body does not survive the iteration.
            var iteration = new Scope(scope);
            iteration.Set("loop", new LoopContext(items, i));
            Assign(loop.Target, items[i], iteration);
            if (Execute(loop.Body, iteration) == Flow.Break)
            {
                break;
            }
        }

        if (items.Count == 0 && loop.Else is not null)
        {
            Execute(loop.Else, scope);
        }

        return Flow.Normal;
    }

    private static void Assign(AssignTarget target, object? value, Scope scope)
    {
        if (!target.IsTuple)
        {
            scope.Set(target.Names[0], value);
            return;
        }

        if (value is not (string or PyList or PyTuple or PyDict or Undefined))
        {
            throw new ChatTemplateException($"cannot unpack non-iterable {PyOps.TypeName(value)} object", "TypeError");
        }

        var items = PyOps.Iterate(value);
        var expected = target.Names.Count;
        if (items.Count != expected)
        {
            throw new ChatTemplateException(
                items.Count > expected
                    ? $"too many values to unpack (expected {expected})"
                    : $"not enough values to unpack (expected {expected}, got {items.Count})",
                "ValueError");
        }

        for (var i = 0; i < expected; i++)
        {
            scope.Set(target.Names[i], items[i]);
        }
    }

    private object? Evaluate(Expression expression, Scope scope)
    {
        switch (expression)
        {
            case ConstantExpression constant:
                return constant.Value;
            case NameExpression name:
                return scope.TryGet(name.Name, out var value) ? value : Undefined.Named(name.Name);
            case AttributeExpression attribute:
                return JinjaAccess.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpression { Key: SliceExpression slice } item:
                return JinjaAccess.Slice(
                    Evaluate(item.Target, scope), EvaluateOptional(slice.Start, scope), EvaluateOptional(slice.Stop, scope), EvaluateOptional(slice.Step, scope));
            case ItemExpression item:
                return JinjaAccess.GetItem(Evaluate(item.Target, scope), Evaluate(item.Key, scope));
            case CallExpression call:
                return Call(Evaluate(call.Callee, scope), EvaluateArguments(call.Arguments, scope));
            case FilterExpression filter:
                return JinjaFilters.Apply(filter.Name, Evaluate(filter.Target, scope), EvaluateArguments(filter.Arguments, scope));
            case TestExpression test:
                var arguments = EvaluateArguments(test.Arguments, scope);
                return JinjaTests.Apply(test.Name, Evaluate(test.Target, scope), arguments.PositionalOnly(test.Name));
            case NotExpression not:
                return !PyOps.IsTruthy(Evaluate(not.Operand, scope));
            case UnaryExpression unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator == "-" ? PyArithmetic.Negate(operand) : PyArithmetic.Plus(operand);
            case BinaryExpression binary:
                return EvaluateBinary(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope));
            case ConcatExpression concat:
                return EvaluateConcat(concat, scope);
            case CompareExpression compare:
                return EvaluateCompare(compare, scope);
            case AndExpression and:
                var left = Evaluate(and.Left, scope);
                return PyOps.IsTruthy(left) ? Evaluate(and.Right, scope) : left;
            case OrExpression or:
                var first = Evaluate(or.Left, scope);
                return PyOps.IsTruthy(first) ? first : Evaluate(or.Right, scope);
            case ConditionalExpression conditional:
                if (PyOps.IsTruthy(Evaluate(conditional.Test, scope)))
                {
                    return Evaluate(conditional.Then, scope);
                }

                return conditional.Else is null
                    ? Undefined.WithHint($"the inline if-expression on line {conditional.Line} evaluated to false and no else section was defined.")
                    : Evaluate(conditional.Else, scope);
            case ListExpression list:
                return new PyList(EvaluateAll(list.Items, scope));
            case TupleExpression tuple:
                return new PyTuple(EvaluateAll(tuple.Items, scope));
            case DictExpression dict:
                var result = new PyDict();
                foreach (var (keyExpression, valueExpression) in dict.Items)
                {
                    var key = Evaluate(keyExpression, scope) as string
                        ?? throw new ChatTemplateException("dict literals with keys that are not strings are not supported", "TemplateError");
                    result.Set(key, Evaluate(valueExpression, scope));
                }

                return result;
            default:
                throw new InvalidOperationException($"Unknown expression {expression.GetType().Name}.");
        }
    }

    private object? EvaluateOptional(Expression? expression, Scope scope) => expression is null ? null : Evaluate(expression, scope);

    // No lambdas in Evaluate and its helpers: a lambda capturing the scope would allocate a closure on every call,
    // taken or not, and Evaluate runs for every node of every render.
    private string EvaluateConcat(ConcatExpression concat, Scope scope)
    {
        var text = new StringBuilder();
        for (var i = 0; i < concat.Operands.Count; i++)
        {
            text.Append(PyOps.Str(Evaluate(concat.Operands[i], scope)));
        }

        return text.ToString();
    }

    private List<object?> EvaluateAll(IReadOnlyList<Expression> expressions, Scope scope)
    {
        var values = new List<object?>(expressions.Count);
        for (var i = 0; i < expressions.Count; i++)
        {
            values.Add(Evaluate(expressions[i], scope));
        }

        return values;
    }

    private CallArguments EvaluateArguments(Arguments arguments, Scope scope)
    {
        if (arguments.Positional.Count == 0 && arguments.Keyword.Count == 0)
        {
            return CallArguments.None;
        }

        var keyword = new List<KeyValuePair<string, object?>>(arguments.Keyword.Count);
        for (var i = 0; i < arguments.Keyword.Count; i++)
        {
            var (name, value) = arguments.Keyword[i];
            keyword.Add(new KeyValuePair<string, object?>(name, Evaluate(value, scope)));
        }

        return new CallArguments(EvaluateAll(arguments.Positional, scope), keyword);
    }

    private static object? Call(object? callee, CallArguments arguments) => callee switch
    {
        IPyCallable callable => callable.Invoke(arguments),
        Undefined undefined => throw undefined.Error(),
        _ => throw new ChatTemplateException($"'{PyOps.TypeName(callee)}' object is not callable", "TypeError"),
    };

    private static object? EvaluateBinary(string op, object? left, object? right) => op switch
    {
        "+" => PyArithmetic.Add(left, right),
        "-" => PyArithmetic.Subtract(left, right),
        "*" => PyArithmetic.Multiply(left, right),
        "/" => PyArithmetic.TrueDivide(left, right),
        "//" => PyArithmetic.FloorDivide(left, right),
        "%" => PyArithmetic.Modulo(left, right),
        "**" => PyArithmetic.Power(left, right),
        _ => throw new InvalidOperationException($"Unknown operator {op}."),
    };

    // Python's chained comparison: a < b < c is a < b and b < c, each operand evaluated once.
    private bool EvaluateCompare(CompareExpression compare, Scope scope)
    {
        var left = Evaluate(compare.First, scope);
        foreach (var (op, operandExpression) in compare.Rest)
        {
            var right = Evaluate(operandExpression, scope);
            var holds = op switch
            {
                "==" => PyOps.AreEqual(left, right),
                "!=" => !PyOps.AreEqual(left, right),
                "in" => PyOps.Contains(right, left),
                "not in" => !PyOps.Contains(right, left),
                _ => PyOps.Compare(op, left, right),
            };
            if (!holds)
            {
                return false;
            }

            left = right;
        }

        return true;
    }

    /// <summary>Hugging Face's <c>raise_exception(message)</c>: fails the render with the template's own message.</summary>
    private sealed class RaiseException : IPyCallable
    {
        public static readonly RaiseException Instance = new();

        public string Name => "raise_exception";

        public object? Invoke(CallArguments arguments)
        {
            var message = arguments.Bind("raise_exception", ["message"], [Undefined.Named("message")])[0];
            throw new ChatTemplateException(PyOps.Str(message));
        }
    }
}
