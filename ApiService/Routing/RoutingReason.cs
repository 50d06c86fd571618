namespace Aspire70B.ApiService.Routing;

/// <summary>Why a request went to its replica: the values of <c>aspire70b.routing.reason</c>.</summary>
internal static class RoutingReason
{
    public const string Affinity = "affinity";
    public const string LeastLoaded = "least_loaded";
    public const string RoundRobin = "round_robin";
    public const string Overflow = "overflow";
    public const string Retry = "retry";
}
