using Aspire70B.AppHost.Hosting;

namespace Aspire70B.AppHost.Tests.Orchestration;

public sealed class ResourceConsoleTests
{
    [Fact]
    public void OnATerminalEachResourceHasItsOwnColouredPrefix()
    {
        using var output = new StringWriter();
        var console = new ResourceConsole(output, color: true);

        console.Line("cache", "ready");
        console.Line("model", "listening");
        console.Line("cache", "again");
        console.Info("All resources are ready.");

        Assert.Equal("\e[36m[cache]\e[0m ready\n\e[35m[model]\e[0m listening\n\e[36m[cache]\e[0m again\nAll resources are ready.\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void RedirectedOutputIsPlain()
    {
        using var output = new StringWriter();
        var console = new ResourceConsole(output, color: false);

        console.Line("apiservice", "info: started");

        Assert.Equal("[apiservice] info: started\n", output.ToString().ReplaceLineEndings("\n"));
        Assert.False(ResourceConsole.ColorWanted(output));
    }
}
