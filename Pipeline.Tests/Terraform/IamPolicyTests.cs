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

    /// <summary>
    /// What each role may do on the stream, the raw bucket and the tables: exactly the calls its code makes (the
    /// adapters' client calls along the function's code path), on exactly the resources it touches.
    /// </summary>
    /// <remarks>
    /// Run store: create run + lock (PutItem; DeleteItem undoes a run that lost the lock and releases the lock when a run
    /// ends), read (GetItem), counters / status / idempotency markers (UpdateItem, PutItem), recent runs (index Query,
    /// then BatchGetItem). Product store upsert: BatchGetItem, conditional PutItem/UpdateItem on products, observations
    /// BatchWriteItem (PutItem after a lost race) on price-history; rejections: BatchWriteItem, Query (LSI/GSI).
    /// S3: PutObject, GetObject (HeadObject needs GetObject too), ListBucket (listing; 404 instead of 403 for a missing
    /// key). Kinesis: the trigger's client calls DescribeStreamSummary and PutRecords; the event source mapping polls
    /// with DescribeStream(Summary), ListShards, GetShardIterator and GetRecords.
    /// </remarks>
    [Theory]
    [InlineData("trigger_ingestion",
        "aws_dynamodb_table.runs: DeleteItem GetItem PutItem UpdateItem",
        "aws_kinesis_stream.fetch_tasks: DescribeStreamSummary PutRecords")]
    [InlineData("fetch_product_data", // a replay's task is transformed here: the transform's upsert
        "aws_dynamodb_table.price_history: BatchWriteItem PutItem",
        "aws_dynamodb_table.products: BatchGetItem PutItem UpdateItem",
        "aws_dynamodb_table.rejections: BatchWriteItem",
        "aws_dynamodb_table.runs: DeleteItem GetItem PutItem UpdateItem",
        "aws_kinesis_stream.fetch_tasks: DescribeStream DescribeStreamSummary GetRecords GetShardIterator ListShards",
        "aws_s3_bucket.raw: ListBucket",
        "aws_s3_bucket.raw/raw/*: GetObject PutObject")]
    [InlineData("transform_products",
        "aws_dynamodb_table.price_history: BatchWriteItem PutItem",
        "aws_dynamodb_table.products: BatchGetItem PutItem UpdateItem",
        "aws_dynamodb_table.rejections: BatchWriteItem",
        "aws_dynamodb_table.runs: DeleteItem GetItem PutItem UpdateItem",
        "aws_s3_bucket.raw: ListBucket",
        "aws_s3_bucket.raw/raw/*: GetObject")]
    [InlineData("dashboard",
        "aws_dynamodb_table.price_history: Query Scan",
        "aws_dynamodb_table.products: BatchGetItem GetItem Query Scan",
        "aws_dynamodb_table.products/index/*: BatchGetItem GetItem Query Scan",
        "aws_dynamodb_table.rejections: Query",
        "aws_dynamodb_table.rejections/index/*: Query",
        "aws_dynamodb_table.runs: BatchGetItem DeleteItem GetItem PutItem Query UpdateItem",
        "aws_dynamodb_table.runs/index/*: BatchGetItem DeleteItem GetItem PutItem Query UpdateItem",
        "aws_kinesis_stream.fetch_tasks: DescribeStreamSummary ListShards PutRecords",
        "aws_s3_bucket.raw: ListBucket",
        "aws_s3_bucket.raw/raw/*: GetObject")]
    public void Each_policy_allows_on_the_stream_bucket_and_tables_exactly_what_its_code_calls(string policy, params string[] expected)
    {
        var document = Terraform.DataSources("aws_iam_policy_document").Single(d => d.Name == policy);

        var granted = IamPolicyAudit.Statements(document)
            .SelectMany(s => HclJson.Strings(HclJson.Property(s.Statement, "actions"))
                .Where(a => a.Split(':')[0] is "dynamodb" or "s3" or "kinesis")
                .SelectMany(a => HclJson.Strings(HclJson.Property(s.Statement, "resources")).Select(r => (Resource: Short(r), Action: a.Split(':')[1]))))
            .GroupBy(g => g.Resource)
            .Select(g => $"{g.Key}: {string.Join(' ', g.Select(x => x.Action).Distinct().Order(StringComparer.Ordinal))}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(expected.Order(StringComparer.Ordinal), granted);
    }

    [Fact]
    public void Every_table_is_used_by_a_function_and_every_DynamoDB_resource_is_a_table_or_its_indexes()
    {
        var tables = Terraform.Resources("aws_dynamodb_table").Select(t => $"aws_dynamodb_table.{t.Name}").ToHashSet(StringComparer.Ordinal);
        var named = Terraform.DataSources("aws_iam_policy_document")
            .SelectMany(d => IamPolicyAudit.Statements(d))
            .Where(s => HclJson.Strings(HclJson.Property(s.Statement, "actions")).Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)))
            .SelectMany(s => HclJson.Strings(HclJson.Property(s.Statement, "resources")))
            .Select(Short)
            .ToList();

        Assert.All(named, r => Assert.Contains(r.EndsWith("/index/*", StringComparison.Ordinal) ? r[..^"/index/*".Length] : r, tables));
        Assert.Equal(tables.Order(StringComparer.Ordinal), named.Where(tables.Contains).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary><c>${aws_x.name.arn}/path</c> → <c>aws_x.name/path</c>.</summary>
    private static string Short(string resource) =>
        System.Text.RegularExpressions.Regex.Replace(resource, @"^\$\{(aws_[a-z0-9_]+\.[a-z0-9_]+)\.arn\}", "$1");
}
