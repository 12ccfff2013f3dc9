using Pipeline.Web.Hosting;
using Pipeline.Web.Security;

// `dotnet run --project Pipeline.Web -- hash-password` reads a password from standard input and prints the value for
// Pipeline:Security:Admin:PasswordHash, so a production password never has to be written down in clear.
if (args is ["hash-password", ..])
{
    var password = Console.In.ReadLine();
    if (string.IsNullOrEmpty(password))
    {
        Console.Error.WriteLine("Type the password on standard input.");
        return 2;
    }
    Console.WriteLine(AdminPasswordHash.Create(password));
    return 0;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddPipelineWeb();

var app = builder.Build();

app.UsePipelineWeb();

app.Run();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
