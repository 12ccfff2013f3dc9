namespace Pipeline.Tests.Terraform;

/// <summary>Every IAM statement in terraform/ is scoped to specific resources; each function has its own role.</summary>
[Collection(TerraformCollection.Name)]
public sealed class IamPolicyTests(TerraformFixture fixture)
{
    /// <summary>
    /// Policy documents allowed to use "*" (address → reason). Keep this list short and explain every entry;
    /// the audit also fails when an entry no longer needs its exemption.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> AllowList = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["data.aws_iam_policy_document.kms_key"] =
            "A KMS key policy is attached to the key itself; AWS requires \"Resource\": \"*\" there, meaning this key only.",
    };

    private TerraformConfiguration Terraform => fixture.Configuration;

    [Fact]
    public void Every_IAM_statement_names_specific_resources()
    {
        var findings = new IamPolicyAudit(AllowList).Findings(Terraform);

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    [Fact]
    public void Every_policy_is_a_document_the_audit_reads_and_every_document_is_used()
    {
        var documents = Terraform.DataSources("aws_iam_policy_document").Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var used = Terraform.Blocks
            .Where(b => b.Kind == "resource")
            .SelectMany(b => new[] { b.StringAttribute("policy"), b.StringAttribute("assume_role_policy") })
            .OfType<string>()
            .Select(p => HclJson.AsPolicyDocumentReference(p) ?? throw new Xunit.Sdk.XunitException($"Not a policy document: {p}"))
            .ToList();

        // Key, bucket, topic, three roles' trust, three role policies, the invoke and the dashboard policy.
        Assert.True(used.Count >= 11, $"Expected at least 11 policies, found {used.Count}.");
        Assert.All(used, name => Assert.Contains(name, documents));
        Assert.Empty(documents.Except(used));
    }

    [Theory]
    [InlineData("trigger_ingestion")]
    [InlineData("fetch_product_data")]
    [InlineData("transform_products")]
    public void Each_function_has_its_own_role_and_policy(string function)
    {
        var lambda = Terraform.Resource("aws_lambda_function", function);
        Assert.Equal($"${{aws_iam_role.{function}.arn}}", lambda.StringAttribute("role"));

        var rolePolicy = Terraform.Resource("aws_iam_role_policy", function);
        Assert.Equal($"${{aws_iam_role.{function}.id}}", rolePolicy.StringAttribute("role"));
        Assert.Equal($"${{data.aws_iam_policy_document.{function}.json}}", rolePolicy.StringAttribute("policy"));

        Assert.Equal(
            "${data.aws_iam_policy_document.lambda_assume_role.json}",
            Terraform.Resource("aws_iam_role", function).StringAttribute("assume_role_policy"));
    }

    [Theory]
    [InlineData("trigger_ingestion")]
    [InlineData("fetch_product_data")]
    [InlineData("transform_products")]
    public void Each_function_writes_only_to_its_own_log_group(string function)
    {
        var document = Terraform.DataSources("aws_iam_policy_document").Single(d => d.Name == function);
        var logResources = IamPolicyAudit.Statements(document)
            .Where(s => HclJson.Strings(HclJson.Property(s.Statement, "actions")).Any(a => a.StartsWith("logs:", StringComparison.Ordinal)))
            .SelectMany(s => HclJson.Strings(HclJson.Property(s.Statement, "resources")))
            .ToList();

        Assert.Equal([$"${{aws_cloudwatch_log_group.lambda[\"{function}\"].arn}}:*"], logResources);
    }

    [Fact]
    public void Only_the_fetch_function_reads_the_stream_and_only_the_trigger_writes_it()
    {
        var documents = Terraform.DataSources("aws_iam_policy_document").ToDictionary(d => d.Name);
        IReadOnlyList<string> Actions(string name) =>
            [.. IamPolicyAudit.Statements(documents[name]).SelectMany(s => HclJson.Strings(HclJson.Property(s.Statement, "actions")))];

        Assert.Contains("kinesis:GetRecords", Actions("fetch_product_data"));
        Assert.DoesNotContain("kinesis:GetRecords", Actions("trigger_ingestion"));
        Assert.DoesNotContain("kinesis:GetRecords", Actions("transform_products"));
        Assert.Contains("kinesis:PutRecords", Actions("trigger_ingestion"));
        Assert.DoesNotContain("kinesis:PutRecords", Actions("fetch_product_data"));
        Assert.Contains("s3:PutObject", Actions("fetch_product_data"));
        Assert.DoesNotContain("s3:PutObject", Actions("transform_products"));
        Assert.Contains("dynamodb:BatchWriteItem", Actions("transform_products"));
    }
}
