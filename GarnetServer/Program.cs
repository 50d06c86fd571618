using System.Runtime.InteropServices;
using Garnet;

// Garnet as a plain process: Microsoft.Garnet's server with garnet-server's own options, parsed by Garnet itself
// (--bind, --port; durable: --aof --aof-commit-freq 0 --checkpointdir DIR --recover). Unless told otherwise it stores
// through .NET's RandomAccess: Garnet's default native device needs glibc 2.38 and aborts on older systems.
string[] options = args.Contains("--device-type") ? args : ["--device-type", "RandomAccess", .. args];
using var server = new GarnetServer(options);
server.Start();

var stopped = new TaskCompletionSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopped.TrySetResult(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopped.TrySetResult(); });
await stopped.Task;
