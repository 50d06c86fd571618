namespace Aspire70B.Worker.KeepWarm;

/// <summary>Whether a moment falls in the keep-warm window, in the window's own time zone. Immutable.</summary>
public sealed class KeepWarmSchedule
{
    private readonly TimeZoneInfo _zone;
    private readonly HashSet<DayOfWeek> _days;
    private readonly TimeOnly _start;
    private readonly TimeOnly _end;

    /// <summary>Creates the schedule from options.</summary>
    /// <exception cref="TimeZoneNotFoundException">The time zone is unknown.</exception>
    public KeepWarmSchedule(KeepWarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _zone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
        _days = [.. options.Days];
        _start = options.Start;
        _end = options.End;
    }

    /// <summary>Whether <paramref name="utc"/> is inside the window.</summary>
    public bool IsActive(DateTimeOffset utc)
    {
        var local = TimeZoneInfo.ConvertTime(utc, _zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        if (_start <= _end)
        {
            return _days.Contains(local.DayOfWeek) && time >= _start && time < _end;
        }

        // A window past midnight belongs to the day it starts on.
        return (time >= _start && _days.Contains(local.DayOfWeek))
            || (time < _end && _days.Contains(local.AddDays(-1).DayOfWeek));
    }
}
