using System.Text.Json;

namespace Pipeline.Tests.Terraform;

/// <summary>
/// One labelled top-level block of a Terraform configuration as @cdktf/hcl2json renders it: a resource, a data source,
/// a variable or an output, with the file it was found in and its body.
/// </summary>
/// <param name="File">The .tf file name.</param>
/// <param name="Kind">resource, data, variable or output.</param>
/// <param name="Type">The resource or data source type (empty for variables and outputs).</param>
/// <param name="Name">The block's name label.</param>
/// <param name="Body">The block body (an object).</param>
public sealed record TerraformBlock(string File, string Kind, string Type, string Name, JsonElement Body)
{
    /// <summary>The address Terraform uses for the block, e.g. <c>aws_s3_bucket.raw</c> or <c>data.aws_iam_policy_document.x</c>.</summary>
    public string Address => Kind switch
    {
        "resource" => $"{Type}.{Name}",
        "data" => $"data.{Type}.{Name}",
        "variable" => $"var.{Name}",
        _ => $"{Kind}.{Name}",
    };

    /// <summary>The attribute's value, or null when the block does not set it.</summary>
    public JsonElement? Attribute(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) ? value : null;

    /// <summary>The attribute's value as a string, or null when absent or not a string.</summary>
    public string? StringAttribute(string name) =>
        Attribute(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>The nested blocks of the given type (hcl2json renders each nested block type as an array of bodies).</summary>
    public IReadOnlyList<JsonElement> Nested(string name) => HclJson.Blocks(Body, name);

    /// <inheritdoc />
    public override string ToString() => $"{Address} ({File})";
}
