namespace Aspire70B.ApiService.Backend;

/// <summary>
/// Fails fast while the model server is down: after <c>threshold</c> consecutive failures the circuit opens for a
/// while, then lets one trial call through (half-open); a success closes it. Thread-safe.
/// </summary>
internal sealed class CircuitBreaker(int threshold, TimeSpan openDuration, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset _openUntil = DateTimeOffset.MinValue;
    private bool _trialInFlight;

    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _failures >= threshold && time.GetUtcNow() < _openUntil;
            }
        }
    }

    /// <summary>Whether a call may go out now; in the half-open state only one may.</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            if (_failures < threshold)
            {
                return true;
            }

            if (time.GetUtcNow() < _openUntil || _trialInFlight)
            {
                return false;
            }

            _trialInFlight = true;
            return true;
        }
    }

    public void RecordSuccess()
    {
        lock (_gate)
        {
            _failures = 0;
            _trialInFlight = false;
        }
    }

    public void RecordFailure()
    {
        lock (_gate)
        {
            _failures++;
            _trialInFlight = false;
            if (_failures >= threshold)
            {
                _openUntil = time.GetUtcNow() + openDuration;
            }
        }
    }
}
