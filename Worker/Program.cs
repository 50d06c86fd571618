using Aspire70B.Worker.Extensions;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.AddWorkerServices();

var host = builder.Build();
host.Run();
