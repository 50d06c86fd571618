using System.Net;
using System.Net.Sockets;

namespace Aspire70B.AppHost.Hosting;

/// <summary>Free loopback ports, chosen at start (the OS picks; the port is released just before the child binds it).</summary>
internal static class PortAllocator
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
