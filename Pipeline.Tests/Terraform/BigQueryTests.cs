using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Terraform;

/// <summary>The BigQuery dataset, its partitioned and clustered tables, the metric views and the loader's roles.</summary>
[Collection(TerraformCollection.Name)]
public sealed partial class BigQueryTests(TerraformFixture fixture)
{
    private TerraformConfiguration Terraform => fixture.Configuration;

    [Fact]
    public void The_products_table_has_the_agreed_schema_and_is_clustered_by_source_and_category()
    {
        var table = Table("products");

        Assert.Equal(
            [
                "product_id STRING", "source STRING", "source_id STRING", "title STRING", "category STRING", "brand STRING",
                "price NUMERIC", "rating NUMERIC", "stock INT64", "availability STRING", "content_hash STRING",
                "last_changed TIMESTAMP", "refresh_id STRING", "loaded_at TIMESTAMP",
            ],
            Schema(table));
        Assert.Equal(["source", "category"], HclJson.Strings(table.Attribute("clustering")));
    }

    [Fact]
    public void Price_observations_are_partitioned_by_day_of_observation_and_clustered_by_product()
    {
        var table = Table("price_observations");

        Assert.Equal(
            ["product_id STRING", "source STRING", "run_id STRING", "price NUMERIC", "previous_price NUMERIC", "observed_at TIMESTAMP"],
            Schema(table));
        var partitioning = table.Nested("time_partitioning").Single();
        Assert.Equal("DAY", HclJson.Property(partitioning, "type")?.GetString());
        Assert.Equal("observed_at", HclJson.Property(partitioning, "field")?.GetString());
        Assert.Equal(["product_id"], HclJson.Strings(table.Attribute("clustering")));
    }

    [Theory]
    [InlineData("top_categories", new[] { "COUNT(*)", "AVG(price)", "MIN(price)", "MAX(price)", "AVG(rating)", "SUM(stock)", "GROUP BY category" })]
    [InlineData("cheapest_products", new[] { "ORDER BY price ASC", "PARTITION BY category", "price IS NOT NULL" })]
    [InlineData("price_changes", new[] { "LAG(price) OVER (PARTITION BY product_id ORDER BY observed_at)", "o.price != o.previous_price" })]
    public void Each_metric_view_is_standard_SQL_over_the_dataset_tables(string name, string[] fragments)
    {
        var view = Table(name);
        var definition = view.Nested("view").Single();
        Assert.True(HclJson.Property(definition, "use_legacy_sql") is { ValueKind: JsonValueKind.False }, $"{view}: use_legacy_sql must be false.");
        Assert.Equal($"${{templatefile(\"${{path.module}}/sql/{name}.sql\", local.bigquery_tables)}}", HclJson.Property(definition, "query")?.GetString());

        var sql = File.ReadAllText(Path.Combine(Terraform.Folder, "sql", name + ".sql"));
        Assert.All(fragments, f => Assert.Contains(f, sql));

        // Every placeholder of the template is a table the configuration passes in, quoted as a BigQuery identifier.
        var tables = Terraform.Locals["bigquery_tables"].EnumerateObject().Select(p => p.Name).ToHashSet();
        var placeholders = Placeholder().Matches(sql).Select(m => m.Groups["name"].Value).ToList();
        Assert.NotEmpty(placeholders);
        Assert.All(placeholders, p => Assert.Contains(p, tables));
        Assert.DoesNotContain("%{", sql);
    }

    [Fact]
    public void The_loader_may_edit_the_dataset_and_run_jobs_and_nothing_more()
    {
        var dataset = Terraform.Resource("google_bigquery_dataset", "warehouse");
        Assert.Equal("${var.bigquery_dataset_id}", dataset.StringAttribute("dataset_id"));
        Assert.Equal("${var.bigquery_location}", dataset.StringAttribute("location"));

        var member = "serviceAccount:${google_service_account.loader.email}";
        var datasetRole = Terraform.Resources("google_bigquery_dataset_iam_member").Single();
        Assert.Equal("roles/bigquery.dataEditor", datasetRole.StringAttribute("role"));
        Assert.Equal(member, datasetRole.StringAttribute("member"));
        Assert.Equal("${google_bigquery_dataset.warehouse.dataset_id}", datasetRole.StringAttribute("dataset_id"));

        var projectRoles = Terraform.Resources("google_project_iam_member");
        Assert.Equal(["roles/bigquery.jobUser"], projectRoles.Select(r => r.StringAttribute("role")));
        Assert.All(projectRoles, r => Assert.Equal(member, r.StringAttribute("member")));
        Assert.Empty(Terraform.Resources("google_service_account_key"));
    }

    private TerraformBlock Table(string tableId)
    {
        var table = Terraform.Resources("google_bigquery_table").SingleOrDefault(t => t.StringAttribute("table_id") == tableId);
        Assert.True(table is not null, $"No google_bigquery_table with table_id {tableId}.");
        Assert.Equal("${google_bigquery_dataset.warehouse.dataset_id}", table.StringAttribute("dataset_id"));
        return table;
    }

    private IReadOnlyList<string> Schema(TerraformBlock table)
    {
        var expression = table.StringAttribute("schema") ?? "";
        var match = SchemaFile().Match(expression);
        Assert.True(match.Success, $"{table}: schema should be file(\"${{path.module}}/schemas/<table>.json\"), found {expression}.");

        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Terraform.Folder, "schemas", match.Groups["file"].Value)));
        return [.. schema.RootElement.EnumerateArray().Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("type").GetString()}")];
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("""^\$\{file\("\$\{path\.module\}/schemas/(?<file>[a-z_]+\.json)"\)\}$""")]
    private static partial Regex SchemaFile();
}
