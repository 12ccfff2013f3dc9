using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Pipeline.Adapters.Aws.DynamoDb;

namespace Pipeline.Tests.Terraform;

/// <summary>Encryption, public-access blocks, versioning, lifecycle and notifications of the stream, bucket and tables.</summary>
[Collection(TerraformCollection.Name)]
public sealed class DataStoreTests(TerraformFixture fixture)
{
    private const string Bucket = "${aws_s3_bucket.raw.id}";

    private TerraformConfiguration Terraform => fixture.Configuration;

    [Fact]
    public void The_stream_is_encrypted_with_the_data_key()
    {
        var stream = Terraform.Resource("aws_kinesis_stream", "fetch_tasks");

        Assert.Equal("KMS", stream.StringAttribute("encryption_type"));
        Assert.Equal("${aws_kms_key.data.arn}", stream.StringAttribute("kms_key_id"));
        Assert.Equal("${var.kinesis_shard_count}", stream.StringAttribute("shard_count"));
        Assert.Equal("${var.kinesis_retention_hours}", stream.StringAttribute("retention_period"));
        Assert.True(Terraform.Resource("aws_kms_key", "data").Attribute("enable_key_rotation")?.GetBoolean());
    }

    [Fact]
    public void The_raw_bucket_is_encrypted()
    {
        var encryption = Single("aws_s3_bucket_server_side_encryption_configuration");
        var byDefault = encryption.Nested("rule").SelectMany(r => HclJson.Blocks(r, "apply_server_side_encryption_by_default")).Single();

        Assert.Equal("aws:kms", HclJson.Property(byDefault, "sse_algorithm")?.GetString());
        Assert.Equal("${aws_kms_key.data.arn}", HclJson.Property(byDefault, "kms_master_key_id")?.GetString());
    }

    [Fact]
    public void The_raw_bucket_blocks_every_kind_of_public_access()
    {
        var block = Single("aws_s3_bucket_public_access_block");

        foreach (var flag in new[] { "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets" })
        {
            Assert.True(block.Attribute(flag) is { ValueKind: JsonValueKind.True }, $"{block}: {flag} must be true.");
        }
        Assert.Equal("BucketOwnerEnforced", HclJson.Property(Single("aws_s3_bucket_ownership_controls").Nested("rule").Single(), "object_ownership")?.GetString());
    }

    [Fact]
    public void The_raw_bucket_is_versioned_and_ages_out_old_pages_and_versions()
    {
        var versioning = Single("aws_s3_bucket_versioning");
        Assert.Equal("Enabled", HclJson.Property(versioning.Nested("versioning_configuration").Single(), "status")?.GetString());

        var lifecycle = Single("aws_s3_bucket_lifecycle_configuration");
        var rules = lifecycle.Nested("rule");
        Assert.All(rules, r => Assert.Equal("Enabled", HclJson.Property(r, "status")?.GetString()));

        var raw = rules.Single(r => HclJson.Property(r, "id")?.GetString() == "raw-pages-age-out");
        Assert.Equal("raw/", HclJson.Property(HclJson.Blocks(raw, "filter").Single(), "prefix")?.GetString());
        var transitions = HclJson.Blocks(raw, "transition")
            .Select(t => (Class: HclJson.Property(t, "storage_class")!.Value.GetString(), Days: Terraform.Literal(HclJson.Property(t, "days"))!.Value.GetInt32()))
            .ToList();
        Assert.Equal(["STANDARD_IA", "GLACIER"], transitions.Select(t => t.Class));
        Assert.True(transitions[0].Days >= 30 && transitions[1].Days > transitions[0].Days, "Transitions must be ≥ 30 days and in order.");
        var noncurrent = HclJson.Blocks(raw, "noncurrent_version_expiration").Single();
        Assert.True(Terraform.Literal(HclJson.Property(noncurrent, "noncurrent_days"))!.Value.GetInt32() >= 1);

        Assert.Contains(rules, r => HclJson.Blocks(r, "abort_incomplete_multipart_upload").Count == 1);
    }

    [Fact]
    public void The_raw_bucket_refuses_plain_http()
    {
        var policy = Single("aws_s3_bucket_policy");
        Assert.Equal("${data.aws_iam_policy_document.raw_bucket.json}", policy.StringAttribute("policy"));

        var document = Terraform.DataSources("aws_iam_policy_document").Single(d => d.Name == "raw_bucket");
        var deny = IamPolicyAudit.Statements(document).Single().Statement;
        Assert.Equal("Deny", HclJson.Property(deny, "effect")?.GetString());
        Assert.Equal("aws:SecureTransport", HclJson.Property(HclJson.Blocks(deny, "condition").Single(), "variable")?.GetString());
    }

    [Fact]
    public void New_json_pages_under_raw_invoke_the_transform_which_S3_may_invoke()
    {
        var notification = Single("aws_s3_bucket_notification");
        var target = notification.Nested("lambda_function").Single();

        Assert.Equal("${aws_lambda_function.transform_products.arn}", HclJson.Property(target, "lambda_function_arn")?.GetString());
        Assert.Equal(["s3:ObjectCreated:*"], HclJson.Strings(HclJson.Property(target, "events")));
        Assert.Equal("raw/", HclJson.Property(target, "filter_prefix")?.GetString());
        Assert.Equal(".json", HclJson.Property(target, "filter_suffix")?.GetString());
        Assert.Contains("${aws_lambda_permission.s3_invokes_transform}", HclJson.Strings(notification.Attribute("depends_on")));

        var permission = Terraform.Resource("aws_lambda_permission", "s3_invokes_transform");
        Assert.Equal("s3.amazonaws.com", permission.StringAttribute("principal"));
        Assert.Equal("lambda:InvokeFunction", permission.StringAttribute("action"));
        Assert.Equal("${aws_s3_bucket.raw.arn}", permission.StringAttribute("source_arn"));
        Assert.Equal("${aws_lambda_function.transform_products.function_name}", permission.StringAttribute("function_name"));
    }

    /// <summary>The tables the DynamoDB adapters create (for local servers), by name without the prefix.</summary>
    private static readonly IReadOnlyList<CreateTableRequest> AdapterTables = [
        .. DynamoDbTables.ProductStoreTables(new DynamoDbStoreOptions { TablePrefix = "" }),
        .. DynamoDbTables.RunStoreTables(new DynamoDbStoreOptions { TablePrefix = "" }),
    ];

    public static TheoryData<string> AdapterTableNames => [.. AdapterTables.Select(t => t.TableName)];

    /// <summary>Terraform's resource name for a table: its name with '_' for '-' (price-history → price_history).</summary>
    private static string ResourceName(string table) => table.Replace('-', '_');

    [Fact]
    public void Terraform_defines_exactly_the_tables_the_DynamoDB_adapters_use()
    {
        Assert.Equal(
            AdapterTables.Select(t => ResourceName(t.TableName)).Order(StringComparer.Ordinal),
            Terraform.Resources("aws_dynamodb_table").Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AdapterTableNames))]
    public void Every_table_is_named_with_the_prefix_on_demand_with_point_in_time_recovery_and_encryption(string name)
    {
        var table = Terraform.Resource("aws_dynamodb_table", ResourceName(name));

        Assert.Equal($"${{local.table_prefix}}{name}", table.StringAttribute("name"));
        Assert.Equal("PAY_PER_REQUEST", table.StringAttribute("billing_mode"));
        Assert.Equal(BillingMode.PAY_PER_REQUEST, AdapterTables.Single(t => t.TableName == name).BillingMode);
        Assert.True(HclJson.Property(table.Nested("point_in_time_recovery").Single(), "enabled") is { ValueKind: JsonValueKind.True }, $"{table}: PITR must be enabled.");
        Assert.True(HclJson.Property(table.Nested("server_side_encryption").Single(), "enabled") is { ValueKind: JsonValueKind.True }, $"{table}: SSE must be enabled.");
    }

    [Theory]
    [MemberData(nameof(AdapterTableNames))]
    public void Every_table_has_the_keys_attributes_and_indexes_that_DynamoDbTables_creates(string name)
    {
        var table = Terraform.Resource("aws_dynamodb_table", ResourceName(name));

        Assert.Equal(Describe(AdapterTables.Single(t => t.TableName == name)), Describe(table));
    }

    /// <summary>The adapters' table definition as comparable lines (keys, attributes, indexes with their projection).</summary>
    private static List<string> Describe(CreateTableRequest table)
    {
        string Key(List<KeySchemaElement> schema, KeyType type) => schema.SingleOrDefault(k => k.KeyType == type)?.AttributeName ?? "-";
        string Projected(Projection p) => $"{p.ProjectionType.Value} [{string.Join(", ", (p.NonKeyAttributes ?? []).Order(StringComparer.Ordinal))}]";
        return
        [
            $"key {Key(table.KeySchema, KeyType.HASH)}/{Key(table.KeySchema, KeyType.RANGE)}",
            .. table.AttributeDefinitions.Select(a => $"attribute {a.AttributeName} {a.AttributeType.Value}").Order(StringComparer.Ordinal),
            .. (table.GlobalSecondaryIndexes ?? [])
                .Select(i => $"gsi {i.IndexName} {Key(i.KeySchema, KeyType.HASH)}/{Key(i.KeySchema, KeyType.RANGE)} {Projected(i.Projection)}")
                .Order(StringComparer.Ordinal),
            .. (table.LocalSecondaryIndexes ?? [])
                .Select(i => $"lsi {i.IndexName} {Key(i.KeySchema, KeyType.RANGE)} {Projected(i.Projection)}")
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>The Terraform table as the same lines.</summary>
    private static List<string> Describe(TerraformBlock table)
    {
        string Text(JsonElement block, string name) => HclJson.Property(block, name)?.GetString() ?? "-";
        string Projected(JsonElement index) =>
            $"{Text(index, "projection_type")} [{string.Join(", ", HclJson.Strings(HclJson.Property(index, "non_key_attributes")).Order(StringComparer.Ordinal))}]";
        return
        [
            $"key {table.StringAttribute("hash_key") ?? "-"}/{table.StringAttribute("range_key") ?? "-"}",
            .. table.Nested("attribute").Select(a => $"attribute {Text(a, "name")} {Text(a, "type")}").Order(StringComparer.Ordinal),
            .. table.Nested("global_secondary_index")
                .Select(i => $"gsi {Text(i, "name")} {Text(i, "hash_key")}/{Text(i, "range_key")} {Projected(i)}")
                .Order(StringComparer.Ordinal),
            .. table.Nested("local_secondary_index")
                .Select(i => $"lsi {Text(i, "name")} {Text(i, "range_key")} {Projected(i)}")
                .Order(StringComparer.Ordinal),
        ];
    }

    [Fact]
    public void Stored_data_survives_an_accidental_destroy_unless_the_operator_opts_in()
    {
        Assert.Equal(JsonValueKind.False, Terraform.Literal(Terraform.Resource("aws_s3_bucket", "raw").Attribute("force_destroy"))?.ValueKind);
        Assert.All(Terraform.Resources("aws_dynamodb_table"), t =>
            Assert.Equal(JsonValueKind.True, Terraform.Literal(t.Attribute("deletion_protection_enabled"))?.ValueKind));
        Assert.All(Terraform.Resources("google_bigquery_table"), t =>
            Assert.Equal(JsonValueKind.True, Terraform.Literal(t.Attribute("deletion_protection"))?.ValueKind));
    }

    private TerraformBlock Single(string type)
    {
        var matches = Terraform.Resources(type).Where(b => b.StringAttribute("bucket") == Bucket).ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one {type} for the raw bucket, found {matches.Count}.");
        return matches[0];
    }
}
