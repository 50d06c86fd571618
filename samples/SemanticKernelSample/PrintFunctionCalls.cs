using Microsoft.SemanticKernel;

namespace Aspire70B.Samples.SemanticKernelSample;

/// <summary>Prints each function Semantic Kernel's auto function calling invokes, with its arguments and result.</summary>
public sealed class PrintFunctionCalls : IAutoFunctionInvocationFilter
{
    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var arguments = string.Join(", ", (context.Arguments ?? []).Select(a => $"{a.Key}: {a.Value}"));
        Console.WriteLine($"  call {context.Function.PluginName}.{context.Function.Name}({arguments})");
        await next(context);
        Console.WriteLine($"  result {context.Result}");
    }
}
