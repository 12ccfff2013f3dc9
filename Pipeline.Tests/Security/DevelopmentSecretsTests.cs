using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Tests.Support;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Security;

/// <summary>Reads the console, so it runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}

/// <summary>In Development with no admin password configured, one is generated, printed once, and only its hash kept.</summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class DevelopmentSecretsTests
{
    [Fact]
    public async Task A_generated_password_is_printed_once_works_and_only_its_hash_is_stored()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
        var noHash = new Dictionary<string, string?> { ["Pipeline:Security:Admin:PasswordHash"] = "" };
        var console = Console.Out;
        var captured = new StringWriter();
        string password;
        try
        {
            Console.SetOut(captured);
            await using (var first = new PipelineAppFactory(settings: noHash, dataDirectory: dataDirectory) { KeepDataDirectory = true })
            {
                _ = first.Services.GetRequiredService<AdminCredentials>();
                password = PrintedPassword().Match(captured.ToString()).Groups[1].Value;
                Assert.NotEmpty(password);

                using var client = first.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
                using var signIn = await DashboardSession.PostSignInAsync(client, "admin", password);
                Assert.Equal("/", signIn.Headers.Location?.OriginalString);
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
            }
            var stored = await File.ReadAllTextAsync(Path.Combine(dataDirectory, AdminCredentials.GeneratedHashFile));
            Assert.True(AdminPasswordHash.IsWellFormed(stored));
            Assert.DoesNotContain(password, stored);
            Assert.True(AdminPasswordHash.Verify(stored, password));

            captured.GetStringBuilder().Clear();
            await using var second = new PipelineAppFactory(settings: noHash, dataDirectory: dataDirectory);
            Assert.True(second.Services.GetRequiredService<AdminCredentials>().Verify("admin", password));
            Assert.DoesNotContain("dashboard sign-in (shown once)", captured.ToString());
            Assert.Equal(stored, await File.ReadAllTextAsync(Path.Combine(dataDirectory, AdminCredentials.GeneratedHashFile)));
        }
        finally
        {
            Console.SetOut(console);
        }
    }

    [GeneratedRegex(@"dashboard sign-in \(shown once\): user 'admin', password (\S+)")]
    private static partial Regex PrintedPassword();
}
