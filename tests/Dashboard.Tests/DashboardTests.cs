using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire70B.TestSupport;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Aspire70B.Dashboard.Tests;

/// <summary>
/// The dashboard as a developer sees it, in a real browser: the AppHost as a real process (DCP, the dashboard, every
/// resource), one chat through the gateway, then the machine's Chromium driven by Playwright through the dashboard's
/// login URL, its Resources page, the chat's trace and the GenAI view of the chat span. Screenshots of each go to
/// <see cref="Screenshots.Folder"/>; the README's pictures in <c>docs/</c> are this test's.
/// </summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DashboardTests
{
    private const string Model = "llama-3.1-70b-instruct";
    private const string Prompt = "In one sentence: why does a prompt cache make a chat service cheaper?";

    /// <summary>The system takes 15–40 s to be healthy on a 2-core machine, more under load; a verdict never waits on this bound.</summary>
    private static readonly TimeSpan SystemBound = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("ASPIRE70B_TEST_BOUND_SECONDS"), out var seconds) ? seconds : 240);

    /// <summary>Every browser step waits for its condition up to this long.</summary>
    private static readonly TimeSpan StepBound = TimeSpan.FromSeconds(60);

    /// <summary>The whole test, start to the AppHost's process tree gone.</summary>
    private static readonly TimeSpan TestBound = SystemBound + TimeSpan.FromMinutes(2);

    [ChromiumFact]
    public async Task TheDashboardShowsEveryResourceHealthyAndTheChatsPromptAndAnswerInItsGenAIView()
    {
        Assert.True(Chromium.ExecutablePath is not null, Chromium.Unavailable);
        var clock = Stopwatch.StartNew();
        await using var appHost = AppHostProcess.Start(["--time-scale", "0"]);
        using var playwright = await Playwright.CreateAsync();
        // Disposed before the AppHost, also when the bound below gives up on a stuck step.
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium.ExecutablePath, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        page.SetDefaultTimeout((float)StepBound.TotalMilliseconds);
        SetDefaultExpectTimeout((float)StepBound.TotalMilliseconds);

        try
        {
            await DriveAsync(appHost, page).WaitAsync(TestBound - clock.Elapsed);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            try
            {
                await Screenshots.TakeAsync(page, "failure", dismissNotifications: false);
            }
            catch (PlaywrightException)
            {
                // No picture of a page that is gone; the failure below says what happened.
            }

            throw new InvalidOperationException($"{e.Message}\nat {page.Url} after {clock.Elapsed:mm\\:ss}; the AppHost's output:\n{appHost.Output}", e);
        }
    }

    private static async Task DriveAsync(AppHostProcess appHost, IPage page)
    {
        var endpoints = await appHost.WaitUntilReadyAsync(SystemBound);
        var (traceId, answer) = await ChatAsync(new Uri(endpoints["apiservice"]));

        // The token URL signs the browser in and lands on the Resources page.
        await page.GotoAsync(endpoints["dashboard"]);
        await DashboardPage.StepAsync(page, async () =>
        {
            await DashboardPage.ExpectShownAsync(page, page.GetByRole(AriaRole.Heading, new() { Name = "Resources", Level = 1 }));
            foreach (var resource in new[] { "cache", "model", "apiservice", "worker" })
            {
                var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Gridcell, new() { NameRegex = new Regex($"^[A-Za-z]+: {resource}$") }) });
                // The state reads "Running (Unhealthy)" or "Running (Health checks …)" until every health check passes.
                await DashboardPage.ExpectShownAsync(page, row.GetByRole(AriaRole.Gridcell, new() { Name = "Running", Exact = true }));
            }

            await Screenshots.TakeAsync(page, "dashboard-resources");
        });

        // Traces → the trace whose root is the chat request (the trace id the test sent).
        await DashboardPage.StepAsync(page, async () =>
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Traces", Exact = true }).ClickAsync();
            var trace = page.GetByRole(AriaRole.Gridcell, new() { NameRegex = new Regex($@"^Name: apiservice: POST \/v1\/chat\/completions Trace Id: {traceId}$") });
            await DashboardPage.ExpectShownAsync(page, trace);
            await trace.ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($@"\/traces\/detail\/{traceId}$"));
        });

        // Its chat span, the GenAI attributes the gateway recorded in its details, and from the span's Actions the
        // dashboard's GenAI visualizer.
        await DashboardPage.StepAsync(page, async () =>
        {
            var chatSpan = page.GetByRole(AriaRole.Row, new() { NameRegex = new Regex($"^apiservice: chat {Regex.Escape(Model)} apiservice ") });
            await DashboardPage.ExpectShownAsync(page, chatSpan);
            await chatSpan.GetByText($"chat {Model}", new() { Exact = true }).ClickAsync();
            await DashboardPage.ExpectShownAsync(page, page.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex($"^apiservice: chat {Regex.Escape(Model)} [0-9a-f]{{7}}$"), Level = 2 }));
            await ExpectAttributeAsync(page, "gen_ai.operation.name", "chat");
            await ExpectAttributeAsync(page, "gen_ai.provider.name", "vllm");
            await ExpectAttributeAsync(page, "gen_ai.request.model", Model);
            await ExpectAttributeAsync(page, "gen_ai.response.model", Model);
            await ExpectAttributeAsync(page, "gen_ai.response.id", answer.Id);
            await ExpectAttributeAsync(page, "aspire70b.prompt_cache.result", answer.Cache);
            await ExpectAttributeAsync(page, "gen_ai.usage.input_tokens", answer.InputTokens.ToString(CultureInfo.InvariantCulture));
            await ExpectAttributeAsync(page, "gen_ai.usage.output_tokens", answer.OutputTokens.ToString(CultureInfo.InvariantCulture));
            await Screenshots.TakeAsync(page, "dashboard-trace");

            await page.GetByRole(AriaRole.Toolbar).GetByRole(AriaRole.Button, new() { Name = "Actions", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Menuitem, new() { Name = "GenAI details", Exact = true }).ClickAsync();
            await DashboardPage.ExpectShownAsync(page, page.GetByRole(AriaRole.Dialog));
            // The dialog role is in FluentUI's shadow root and the visualizer is slotted into it: its text is the
            // host's (a host Playwright sees as hidden, having no box of its own).
            var genAi = page.Locator("fluent-dialog").Filter(new() { Has = page.GetByRole(AriaRole.Dialog), HasText = $"apiservice: chat {Model}" });
            await Expect(genAi).ToHaveCountAsync(1);
            await Expect(genAi).ToContainTextAsync(Prompt);
            await Expect(genAi).ToContainTextAsync(answer.Content);
            await Expect(genAi).Not.ToContainTextAsync("No message content was recorded");
            await Screenshots.TakeAsync(page, "dashboard-genai");
        });
    }

    /// <summary>One chat through the gateway, in a trace of the test's own (W3C <c>traceparent</c>), so the dashboard's trace is found by id.</summary>
    private static async Task<(string TraceId, Answer Answer)> ChatAsync(Uri apiservice)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var http = new HttpClient { BaseAddress = apiservice, Timeout = StepBound };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = Model, messages = new[] { new { role = "user", content = Prompt } }, max_tokens = 24, temperature = 0 }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var content = json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.False(string.IsNullOrWhiteSpace(content), body);
        var usage = json.RootElement.GetProperty("usage");
        var cache = Assert.Single(response.Headers.GetValues("x-cache"));
        return (traceId, new Answer(json.RootElement.GetProperty("id").GetString()!, cache, content!, usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32()));
    }

    /// <summary>A row of the span's attributes: its name, and exactly this value.</summary>
    /// <remarks>From the page: the details' sections are slotted into accordion items, outside their regions' DOM.</remarks>
    private static async Task ExpectAttributeAsync(IPage page, string name, string value)
    {
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Gridcell).GetByText(name, new() { Exact = true }) });
        await Expect(row.GetByRole(AriaRole.Gridcell).Nth(1)).ToHaveTextAsync(new Regex($"^\\s*{Regex.Escape(value)}\\s*$"));
    }

    private sealed record Answer(string Id, string Cache, string Content, int InputTokens, int OutputTokens);
}
