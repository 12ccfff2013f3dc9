using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Cryptography.KeyDerivation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Web.Security;

namespace Pipeline.Benchmarks;

/// <summary>
/// Median time of <see cref="AdminCredentials.Verify"/> for an unknown user name and for the admin's name with a wrong
/// password, at the built-in hash cost and at 600,000 iterations (the docs' recipe). Equal medians: the answer's timing
/// does not tell whether a name exists. The "built-in decoy" column is the cost of checking against a hash made with
/// the built-in cost, which is what an unknown name cost before the decoy took the configured hash's parameters.
/// </summary>
public static class SignInTimingProfile
{
    public static void Run(int samples)
    {
        Report.Print($"## Sign-in timing: median of {samples} checks each, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\nMachine: {Machine.Describe()}\n");
        Report.Print("| configured hash | unknown user name | admin, wrong password | built-in decoy |");
        Report.Print("|---|---:|---:|---:|");
        var builtIn = AdminPasswordHash.Create("bench-password");
        Measure(builtIn, samples);
        Measure(HandMade("bench-password", KeyDerivationPrf.HMACSHA512, 600_000), samples);
    }

    private static void Measure(string hash, int samples)
    {
        AdminPasswordHash.TryReadParameters(hash, out var p);
        var admin = new AdminCredentials(
            Options.Create(new AdminAccountOptions { UserName = "admin", PasswordHash = hash }), Options.Create(new PipelineOptions()),
            new HostingEnvironment { EnvironmentName = Environments.Production }, NullLogger<AdminCredentials>.Instance);
        var oldDecoy = AdminPasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        var unknown = new List<double>();
        var known = new List<double>();
        var builtInDecoy = new List<double>();
        for (var i = -2; i < samples; i++) // two rounds to warm up, then interleaved so load changes hit all three alike
        {
            var a = Time(() => admin.Verify($"someone-{i}", "wrong-password"));
            var b = Time(() => admin.Verify("admin", "wrong-password"));
            var c = Time(() => AdminPasswordHash.Verify(oldDecoy, "wrong-password"));
            if (i < 0) continue;
            unknown.Add(a);
            known.Add(b);
            builtInDecoy.Add(c);
        }
        Report.Print(string.Create(CultureInfo.InvariantCulture,
            $"| {p.Prf}, {p.Iterations:N0} iterations, {p.SaltLength}-byte salt | {Median(unknown):F1} ms | {Median(known):F1} ms | {Median(builtInDecoy):F1} ms |"));
    }

    private static double Time(Func<bool> check)
    {
        var watch = Stopwatch.StartNew();
        if (check()) throw new InvalidOperationException("A wrong password was accepted.");
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>A v3 hash as the docs' python recipe makes it (PBKDF2, 16-byte salt, 32-byte subkey).</summary>
    private static string HandMade(string password, KeyDerivationPrf prf, int iterations) =>
        AdminPasswordHash.Create(password, new PasswordHashParameters(prf, iterations, 16, 32));
}
