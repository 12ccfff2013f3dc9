using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Pipeline.Tests.Terraform;

/// <summary>
/// A Terraform folder parsed with the npm HCL parser (@cdktf/hcl2json, run by tools/hcl/tf2json.mjs under node),
/// one JSON document per .tf file, with lookups for resources, data sources, variables and locals.
/// </summary>
public sealed class TerraformConfiguration
{
    private static readonly TimeSpan ParseTimeout = TimeSpan.FromSeconds(120);

    private TerraformConfiguration(string folder, IReadOnlyDictionary<string, JsonElement> files)
    {
        Folder = folder;
        Files = files;
        Blocks = [.. files.SelectMany(f => ReadBlocks(f.Key, f.Value))];
    }

    /// <summary>The parsed folder.</summary>
    public string Folder { get; }

    /// <summary>Each .tf file name and its JSON rendering.</summary>
    public IReadOnlyDictionary<string, JsonElement> Files { get; }

    /// <summary>All resources, data sources, variables and outputs.</summary>
    public IReadOnlyList<TerraformBlock> Blocks { get; }

    /// <summary>The resources of one type.</summary>
    public IReadOnlyList<TerraformBlock> Resources(string type) => [.. Blocks.Where(b => b.Kind == "resource" && b.Type == type)];

    /// <summary>The one resource with this type and name; fails the test when it does not exist.</summary>
    public TerraformBlock Resource(string type, string name) =>
        Blocks.SingleOrDefault(b => b.Kind == "resource" && b.Type == type && b.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"terraform/ declares no resource {type}.{name}.");

    /// <summary>The data sources of one type.</summary>
    public IReadOnlyList<TerraformBlock> DataSources(string type) => [.. Blocks.Where(b => b.Kind == "data" && b.Type == type)];

    /// <summary>The declared input variables.</summary>
    public IReadOnlyList<TerraformBlock> Variables => [.. Blocks.Where(b => b.Kind == "variable")];

    /// <summary>The declared outputs.</summary>
    public IReadOnlyList<TerraformBlock> Outputs => [.. Blocks.Where(b => b.Kind == "output")];

    /// <summary>All <c>locals</c> entries of all files, by name.</summary>
    public IReadOnlyDictionary<string, JsonElement> Locals =>
        Files.Values
            .SelectMany(f => HclJson.Blocks(f, "locals"))
            .SelectMany(l => l.EnumerateObject())
            .ToDictionary(p => p.Name, p => p.Value);

    /// <summary>
    /// The literal value behind an attribute: the value itself, or for a plain <c>${var.x}</c> / <c>${var.x.y}</c>
    /// reference the variable's default (walking the attribute path). Null when it cannot be resolved statically.
    /// </summary>
    public JsonElement? Literal(JsonElement? value)
    {
        if (value is not { } v) return null;
        if (v.ValueKind != JsonValueKind.String) return v;
        var text = v.GetString()!;
        if (!text.Contains("${", StringComparison.Ordinal)) return v;
        if (HclJson.AsVariableReference(text) is not var (name, path)) return null;
        var variable = Variables.SingleOrDefault(b => b.Name == name);
        if (variable?.Attribute("default") is not { } current) return null;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out current)) return null;
        }
        return current;
    }

    /// <summary>Parses every .tf file in <paramref name="folder"/> with tools/hcl (needs node and <c>npm ci</c> in tools/hcl).</summary>
    public static async Task<TerraformConfiguration> ParseAsync(string folder, CancellationToken cancellationToken)
    {
        var repositoryRoot = RepositoryRoot();
        var toolFolder = Path.Combine(repositoryRoot, "tools", "hcl");
        var script = Path.Combine(toolFolder, "tf2json.mjs");
        if (!File.Exists(Path.Combine(toolFolder, "node_modules", "@cdktf", "hcl2json", "package.json")))
        {
            throw new InvalidOperationException(
                $"The HCL parser is not installed: run npm ci in tools/hcl ({toolFolder}) first. .ci/run does this.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("node (version 20 or later) must be on PATH to parse the Terraform files: " + e.Message, e);
        }

        using (process)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(ParseTimeout);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"node {script} {folder} did not finish within {ParseTimeout.TotalSeconds} s.");
            }

            var output = await stdout;
            var errors = await stderr;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"Parsing {folder} failed (node exit code {process.ExitCode}): {errors.Trim()}");
            }

            using var document = JsonDocument.Parse(output);
            var files = document.RootElement.GetProperty("files").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
            return new TerraformConfiguration(folder, files);
        }
    }

    /// <summary>The repository root: the first folder above the test binaries that holds Pipeline.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Could not find Pipeline.sln above " + AppContext.BaseDirectory + ".");
    }

    private static IEnumerable<TerraformBlock> ReadBlocks(string file, JsonElement root)
    {
        foreach (var kind in new[] { "resource", "data" })
        {
            if (HclJson.Property(root, kind) is not { ValueKind: JsonValueKind.Object } types) continue;
            foreach (var type in types.EnumerateObject())
                foreach (var named in type.Value.EnumerateObject())
                    foreach (var body in HclJson.Blocks(type.Value, named.Name))
                        yield return new TerraformBlock(file, kind, type.Name, named.Name, body);
        }

        foreach (var kind in new[] { "variable", "output" })
        {
            if (HclJson.Property(root, kind) is not { ValueKind: JsonValueKind.Object } named) continue;
            foreach (var entry in named.EnumerateObject())
                foreach (var body in HclJson.Blocks(named, entry.Name))
                    yield return new TerraformBlock(file, kind, "", entry.Name, body);
        }
    }
}
