using System.ComponentModel.DataAnnotations;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// Where the DynamoDB product and run stores keep their tables. Bound from <c>Pipeline:Aws:DynamoDb</c> (plus
/// <c>Pipeline:Aws:Region</c> and <c>Pipeline:Aws:CreateResources</c>). Table names are the prefix plus
/// <c>products</c>, <c>price-history</c>, <c>rejections</c> and <c>runs</c> (see docs/dynamodb-design.md).
/// </summary>
public sealed class DynamoDbStoreOptions
{
    /// <summary>Prepended to every table name, e.g. <c>pipeline-</c> (letters, digits, '_', '-', '.').</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{0,200}$", ErrorMessage = "Pipeline:Aws:DynamoDb:TablePrefix may contain only letters, digits, '_', '-' and '.'.")]
    public string TablePrefix { get; set; } = "pipeline-";

    /// <summary>AWS region, e.g. us-east-1.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Endpoint override for a local DynamoDB-compatible server (e.g. http://127.0.0.1:4568); null for AWS.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Create missing tables (PAY_PER_REQUEST) in EnsureCreatedAsync. Off by default (production tables come from Terraform).</summary>
    public bool CreateTablesIfMissing { get; set; }

    /// <summary>How many conditional product writes one upsert call keeps in flight.</summary>
    [Range(1, 64)]
    public int WriteConcurrency { get; set; } = 8;

    public string ProductsTable => TablePrefix + "products";
    public string PriceHistoryTable => TablePrefix + "price-history";
    public string RejectionsTable => TablePrefix + "rejections";
    public string RunsTable => TablePrefix + "runs";
}
