using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Terraform;

/// <summary>
/// Least-privilege checks over every IAM policy of a configuration.
/// <list type="bullet">
/// <item>Every policy-valued attribute (<c>policy</c>, <c>assume_role_policy</c>) is a
/// <c>data.aws_iam_policy_document</c>, so that all statements can be read here (no jsonencode or heredoc policies).</item>
/// <item>Every statement names specific resources: no <c>"*"</c>, no <c>not_resources</c>, and each resource is a
/// reference to a managed resource's ARN (wildcards only after it, as in <c>${bucket.arn}/raw/*</c>) or a literal
/// ARN without wildcards. Only trust policies (sts:AssumeRole with principals) may name no resources.</item>
/// <item>Allow statements grant no whole-service actions (<c>*</c>, <c>s3:*</c>) and use no <c>not_actions</c>.</item>
/// <item>No AWS managed policy is attached (they are written for any resource).</item>
/// <item>Documents in the allow-list are exempt from the resource and action rules, but must exist and must really
/// need the exemption (else the entry is stale).</item>
/// </list>
/// </summary>
public sealed partial class IamPolicyAudit(IReadOnlyDictionary<string, string> allowList)
{
    private static readonly string[] PolicyAttributes = ["policy", "assume_role_policy"];
    private static readonly string[] TrustActions = ["sts:AssumeRole", "sts:TagSession", "sts:AssumeRoleWithWebIdentity"];

    /// <summary>One message per problem found; empty when all is well.</summary>
    public IReadOnlyList<string> Findings(TerraformConfiguration configuration)
    {
        var findings = new List<string>();

        foreach (var block in configuration.Blocks.Where(b => b.Kind == "resource"))
        {
            foreach (var attribute in PolicyAttributes)
            {
                if (block.StringAttribute(attribute) is { } policy && HclJson.AsPolicyDocumentReference(policy) is null)
                    findings.Add($"{block}: {attribute} must be a data.aws_iam_policy_document (…json), found {Shorten(policy)}.");
                else if (block.Attribute(attribute) is { ValueKind: not JsonValueKind.String } other)
                    findings.Add($"{block}: {attribute} must be a data.aws_iam_policy_document (…json), found a {other.ValueKind}.");
            }

            foreach (var text in HclJson.AllStrings(block.Body))
            {
                if (text.Contains(":iam::aws:policy/", StringComparison.Ordinal))
                    findings.Add($"{block}: attaches the AWS managed policy {Shorten(text)}; write a scoped policy document instead.");
            }
        }

        var documents = configuration.DataSources("aws_iam_policy_document");
        foreach (var document in documents)
        {
            var exempt = allowList.ContainsKey(document.Address);
            var needsExemption = false;
            var statements = Statements(document).ToList();
            if (statements.Count == 0) findings.Add($"{document}: has no statements.");

            foreach (var (statement, label) in statements)
            {
                var where = $"{document} statement {label}";
                var isAllow = (HclJson.Property(statement, "effect")?.GetString() ?? "Allow") == "Allow";
                var actions = HclJson.Strings(HclJson.Property(statement, "actions"));
                var resources = HclJson.Strings(HclJson.Property(statement, "resources"));

                if (HclJson.Property(statement, "not_resources") is not null)
                    findings.Add($"{where}: uses not_resources; name the resources instead.");
                if (isAllow && HclJson.Property(statement, "not_actions") is not null)
                    findings.Add($"{where}: allows not_actions; list the actions instead.");

                if (resources.Count == 0)
                {
                    var isTrust = actions.Count > 0 && actions.All(a => TrustActions.Contains(a))
                        && HclJson.Blocks(statement, "principals").Count > 0;
                    if (!isTrust) findings.Add($"{where}: names no resources.");
                }

                foreach (var resource in resources)
                {
                    if (IsSpecific(resource)) continue;
                    needsExemption = true;
                    if (!exempt) findings.Add($"{where}: resource \"{resource}\" is not a specific ARN.");
                }

                foreach (var action in actions.Where(a => isAllow && IsWholeService(a)))
                {
                    needsExemption = true;
                    if (!exempt) findings.Add($"{where}: action \"{action}\" grants a whole service.");
                }
            }

            if (exempt && !needsExemption)
                findings.Add($"{document} is allow-listed but names only specific resources and actions; remove it from the allow-list.");
        }

        foreach (var address in allowList.Keys.Where(a => documents.All(d => d.Address != a)))
            findings.Add($"The allow-list names {address}, which does not exist.");

        return findings;
    }

    /// <summary>The statements of a policy document, the dynamic ones included (their <c>content</c> block).</summary>
    public static IEnumerable<(JsonElement Statement, string Label)> Statements(TerraformBlock document)
    {
        var index = 0;
        foreach (var statement in document.Nested("statement"))
            yield return (statement, Label(statement, index++));

        foreach (var dynamic in document.Nested("dynamic"))
            foreach (var generator in HclJson.Blocks(dynamic, "statement"))
                foreach (var content in HclJson.Blocks(generator, "content"))
                    yield return (content, "dynamic " + Label(content, index++));
    }

    /// <summary>
    /// True for a reference to a managed resource's attribute (or a variable / dynamic value holding one ARN),
    /// optionally followed by a path that may end in a wildcard; or for a literal ARN without any wildcard.
    /// </summary>
    public static bool IsSpecific(string resource)
    {
        if (resource.StartsWith("arn:", StringComparison.Ordinal)) return !resource.Contains('*', StringComparison.Ordinal);
        return ScopedReference().IsMatch(resource);
    }

    private static bool IsWholeService(string action) => action == "*" || action.EndsWith(":*", StringComparison.Ordinal);

    private static string Label(JsonElement statement, int index) =>
        HclJson.Property(statement, "sid") is { ValueKind: JsonValueKind.String } sid ? $"\"{sid.GetString()}\"" : $"#{index + 1}";

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    // ${aws_x.name.attr}, ${aws_x.name["key"].attr}, ${data.aws_x.name.attr}, ${var.x}, ${statement.value}; then
    // nothing, or a separator (/ or :) followed by a path. A wildcard straight after the reference is refused.
    [GeneratedRegex("""^\$\{(?:(?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+(?:\["[^"\]]+"\])?\.[a-z_]+|var\.[A-Za-z0-9_-]+|statement\.value)\}(?:[/:]\S*)?$""")]
    private static partial Regex ScopedReference();
}
