using System.ComponentModel.DataAnnotations;

namespace Aspire70B.Worker.KeepWarm;

/// <summary>How the model endpoint is probed to keep it warm.</summary>
public enum KeepWarmProbe
{
    /// <summary>GET the gateway's <c>/health</c>, which asks the model server's <c>/health</c>: cheap, wakes a scaled-down container.</summary>
    Health,

    /// <summary>A one-token chat completion: proves the model answers, costs one token.</summary>
    Completion,
}

/// <summary>
/// Keep-warm: during working hours, probe the model endpoint more often than the backend's scale-down window, so a
/// 70B deployment on Modal is not cold when people need it. Bound from <c>KeepWarm</c>.
/// </summary>
public sealed class KeepWarmOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "KeepWarm";

    /// <summary>Off by default: a warm GPU costs money.</summary>
    public bool Enabled { get; set; }

    /// <summary>IANA time zone of the working hours, e.g. <c>Europe/Paris</c>.</summary>
    [Required]
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Days on which to keep warm.</summary>
    public List<DayOfWeek> Days { get; set; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    /// <summary>Start of the window, local time.</summary>
    public TimeOnly Start { get; set; } = new(8, 0);

    /// <summary>End of the window, local time (exclusive). A window past midnight (22:00–06:00) is allowed.</summary>
    public TimeOnly End { get; set; } = new(18, 0);

    /// <summary>Time between probes; keep it shorter than the backend's scale-down window.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>What a probe does.</summary>
    public KeepWarmProbe Probe { get; set; } = KeepWarmProbe.Health;
}
