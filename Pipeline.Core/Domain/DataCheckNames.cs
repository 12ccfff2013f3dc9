namespace Pipeline.Core.Domain;

/// <summary>The data checks run per source after every warehouse refresh (and on demand).</summary>
public static class DataCheckNames
{
    /// <summary>The store's and the warehouse's product and observation counts agree.</summary>
    public const string Reconciliation = "reconciliation";

    /// <summary>No product id appears twice in the warehouse.</summary>
    public const string UniqueIds = "unique-ids";

    /// <summary>No product in the warehouse has a null or negative price.</summary>
    public const string ValidPrices = "valid-prices";

    /// <summary>Every product in the warehouse has a title and a category.</summary>
    public const string RequiredFields = "required-fields";

    /// <summary>The source's last successful run is within its freshness limit.</summary>
    public const string Freshness = "freshness";

    public static readonly IReadOnlyList<string> All = [Reconciliation, UniqueIds, ValidPrices, RequiredFields, Freshness];
}
