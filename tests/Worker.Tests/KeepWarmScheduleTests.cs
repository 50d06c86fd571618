using Aspire70B.Worker.KeepWarm;

namespace Aspire70B.Worker.Tests;

public sealed class KeepWarmScheduleTests
{
    private static KeepWarmSchedule Paris(string start = "08:00", string end = "18:00", params DayOfWeek[] days) => new(new KeepWarmOptions
    {
        TimeZone = "Europe/Paris",
        Start = TimeOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
        End = TimeOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture),
        Days = days.Length > 0 ? [.. days] : [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
    });

    [Theory]
    // Monday 23 Nov 2026; Paris is UTC+1 in winter.
    [InlineData("2026-11-23T06:59:00Z", false)]
    [InlineData("2026-11-23T07:00:00Z", true)]
    [InlineData("2026-11-23T16:59:59Z", true)]
    [InlineData("2026-11-23T17:00:00Z", false)]
    // Saturday
    [InlineData("2026-11-28T10:00:00Z", false)]
    // Summer time: UTC+2, so 08:00 local is 06:00 UTC.
    [InlineData("2026-06-15T06:00:00Z", true)]
    [InlineData("2026-06-15T05:59:00Z", false)]
    public void TheWindowFollowsTheLocalClockAndTheWeekdays(string utc, bool active)
    {
        Assert.Equal(active, Paris().IsActive(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    // 22:00–06:00 on Fridays: Friday night counts, the early Saturday hours belong to Friday's window.
    [InlineData("2026-11-27T21:30:00Z", true)]
    [InlineData("2026-11-28T04:30:00Z", true)]
    [InlineData("2026-11-28T05:30:00Z", false)]
    [InlineData("2026-11-26T21:30:00Z", false)]
    public void AWindowPastMidnightBelongsToTheDayItStarts(string utc, bool active)
    {
        Assert.Equal(active, Paris("22:00", "06:00", DayOfWeek.Friday).IsActive(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void AnUnknownTimeZoneIsRefused()
    {
        Assert.Throws<TimeZoneNotFoundException>(() => new KeepWarmSchedule(new KeepWarmOptions { TimeZone = "Mars/Olympus" }));
    }
}
