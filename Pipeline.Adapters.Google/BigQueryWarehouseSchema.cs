using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Adapters.Google;

/// <summary>
/// The warehouse tables (the DuckDB warehouse uses the same names and columns) and their staging twins.
/// </summary>
internal static class BigQueryWarehouseSchema
{
    public const string Products = "products";
    public const string PriceObservations = "price_observations";

    private static TableFieldSchema Field(string name, string type, bool required = false) =>
        new() { Name = name, Type = type, Mode = required ? "REQUIRED" : "NULLABLE" };

    /// <summary>Columns loaded from the product store; <c>refresh_id</c> and <c>loaded_at</c> are set by the MERGE.</summary>
    public static readonly IReadOnlyList<TableFieldSchema> StagedProductFields =
    [
        Field("product_id", "STRING", required: true),
        Field("source", "STRING", required: true),
        Field("source_id", "STRING", required: true),
        Field("title", "STRING", required: true),
        Field("category", "STRING", required: true),
        Field("brand", "STRING"),
        Field("price", "NUMERIC", required: true),
        Field("rating", "NUMERIC"),
        Field("stock", "INT64"),
        Field("availability", "STRING"),
        Field("content_hash", "STRING", required: true),
        Field("last_changed", "TIMESTAMP"),
    ];

    public static readonly IReadOnlyList<TableFieldSchema> ProductFields =
    [
        .. StagedProductFields,
        Field("refresh_id", "STRING", required: true),
        Field("loaded_at", "TIMESTAMP", required: true),
    ];

    public static readonly IReadOnlyList<TableFieldSchema> PriceObservationFields =
    [
        Field("product_id", "STRING", required: true),
        Field("source", "STRING", required: true),
        Field("run_id", "STRING", required: true),
        Field("price", "NUMERIC", required: true),
        Field("previous_price", "NUMERIC"),
        Field("observed_at", "TIMESTAMP", required: true),
    ];

    public static TableResource ProductsTable(string projectId, string datasetId) => new()
    {
        TableReference = new TableReference(projectId, datasetId, Products),
        Schema = new TableSchema(ProductFields),
        Clustering = new Clustering(["source", "category"]),
        Description = "Current state of every product, one row per product_id.",
    };

    public static TableResource PriceObservationsTable(string projectId, string datasetId) => new()
    {
        TableReference = new TableReference(projectId, datasetId, PriceObservations),
        Schema = new TableSchema(PriceObservationFields),
        TimePartitioning = new TimePartitioning { Type = "DAY", Field = "observed_at" },
        Clustering = new Clustering(["product_id"]),
        Description = "Every observed price, one row per (product_id, run_id).",
    };

    /// <summary>
    /// <c>_stg_&lt;table&gt;_&lt;refreshId&gt;</c>, the refresh id reduced to <c>[A-Za-z0-9_]</c>; when that changed it,
    /// a short hash of the original keeps distinct refresh ids apart.
    /// </summary>
    public static string StagingTable(string table, string refreshId)
    {
        var clean = new StringBuilder(refreshId.Length);
        foreach (var c in refreshId) clean.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        var suffix = clean.ToString();
        if (!string.Equals(suffix, refreshId, StringComparison.Ordinal) || suffix.Length > 200)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(refreshId)))[..10];
            suffix = (suffix.Length > 200 ? suffix[..200] : suffix) + "_" + hash;
        }
        return $"{StagingPrefix(table)}{suffix}";
    }

    /// <summary>Whether <paramref name="tableId"/> is named as a staging table of <see cref="Products"/> or <see cref="PriceObservations"/>.</summary>
    public static bool IsStagingTable(string tableId) =>
        tableId.StartsWith(StagingPrefix(Products), StringComparison.Ordinal)
        || tableId.StartsWith(StagingPrefix(PriceObservations), StringComparison.Ordinal);

    private static string StagingPrefix(string table) => $"_stg_{table}_";
}
