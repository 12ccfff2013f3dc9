using Pipeline.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddPipelineWeb();

var app = builder.Build();

app.UsePipelineWeb();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
