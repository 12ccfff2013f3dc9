using System.Text.Json;

namespace Pipeline.Tests.Terraform;

/// <summary>
/// Checks the input variables of a configuration: every <c>var.X</c> used anywhere is declared, every declared
/// variable is used somewhere outside its own declaration, and every declaration has a description and a type.
/// </summary>
public static class TerraformVariableAudit
{
    /// <summary>One message per problem found; empty when all is well.</summary>
    public static IReadOnlyList<string> Findings(TerraformConfiguration configuration)
    {
        var findings = new List<string>();
        var declared = configuration.Variables.ToDictionary(v => v.Name, StringComparer.Ordinal);

        foreach (var variable in configuration.Variables)
        {
            if (string.IsNullOrWhiteSpace(variable.StringAttribute("description")))
                findings.Add($"{variable} has no description.");
            if (variable.Attribute("type") is null)
                findings.Add($"{variable} has no type.");
        }

        // References inside a variable's own block (its validation) do not count as uses.
        var referenced = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, root) in configuration.Files)
        {
            foreach (var section in root.EnumerateObject().Where(p => p.Name != "variable"))
                foreach (var text in HclJson.AllStrings(section.Value))
                    foreach (var name in HclJson.VariableReferences(text))
                        referenced.TryAdd(name, file);
        }

        foreach (var (name, file) in referenced.Where(r => !declared.ContainsKey(r.Key)).OrderBy(r => r.Key, StringComparer.Ordinal))
            findings.Add($"var.{name} is used in {file} but not declared.");

        foreach (var variable in configuration.Variables.Where(v => !referenced.ContainsKey(v.Name)))
            findings.Add($"{variable} is declared but never used.");

        return findings;
    }

    /// <summary>True when the variable's block has at least one validation with a condition.</summary>
    public static bool HasValidation(TerraformBlock variable) =>
        variable.Nested("validation").Any(v => HclJson.Property(v, "condition") is { ValueKind: JsonValueKind.String });
}
