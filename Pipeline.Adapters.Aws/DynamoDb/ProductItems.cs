using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>Attribute names of the products table and the mapping between <see cref="Product"/> and its item.</summary>
internal static class ProductItems
{
    public const string Pk = "pk";
    public const string Source = "source";
    public const string SourceId = "sourceId";
    public const string Title = "title";
    public const string Description = "description";
    public const string Category = "category";
    public const string Brand = "brand";
    public const string Price = "price";
    public const string DiscountPercentage = "discountPercentage";
    public const string Rating = "rating";
    public const string Stock = "stock";
    public const string Availability = "availability";
    public const string Tags = "tags";
    public const string Sku = "sku";
    public const string Thumbnail = "thumbnail";
    public const string ContentHash = "contentHash";
    public const string FirstSeen = "firstSeen";
    public const string LastSeen = "lastSeen";
    public const string LastChanged = "lastChanged";
    public const string LastRunId = "lastRunId";
    /// <summary>Lineage: the raw page and record the current content was made from.</summary>
    public const string RawKey = "rawKey";
    public const string RecordIndex = "recordIndex";

    // Index attributes.
    /// <summary>Constant partition of the all-* indexes.</summary>
    public const string AllKey = "allKey";
    public const string AllKeyValue = "products";
    /// <summary>Sort key of the *-title indexes: the lower-cased title (a single space when empty, since index keys cannot be empty).</summary>
    public const string TitleKey = "titleKey";
    /// <summary>Lower-cased title, filtered with contains() for free-text search.</summary>
    public const string SearchText = "searchText";

    public static Dictionary<string, AttributeValue> Key(string id) => new() { [Pk] = S(id) };

    /// <summary>The full item for a product, with its first/last seen times and index attributes.</summary>
    public static Dictionary<string, AttributeValue> ToItem(Product p, DateTimeOffset firstSeen, DateTimeOffset lastSeen, DateTimeOffset lastChanged, string runId)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Pk] = S(p.Id),
            [Source] = S(p.Source),
            [SourceId] = S(p.SourceId),
            [Title] = S(p.Title),
            [Price] = N(p.Price),
            [Tags] = StringList(p.Tags),
            [ContentHash] = S(p.ContentHash),
            [FirstSeen] = Time(firstSeen),
            [LastSeen] = Time(lastSeen),
            [LastChanged] = Time(lastChanged),
            [LastRunId] = S(runId),
            [AllKey] = S(AllKeyValue),
            [TitleKey] = S(p.Title.Length == 0 ? " " : p.Title.ToLowerInvariant()),
        };
        // An empty string cannot be an index key: such a product is left out of the category indexes.
        if (p.Category.Length > 0) item[Category] = S(p.Category);
        item.SetIfNotNull(Description, p.Description);
        item.SetIfNotNull(Brand, p.Brand);
        item.SetIfNotNull(DiscountPercentage, p.DiscountPercentage);
        item.SetIfNotNull(Rating, p.Rating);
        item.SetIfNotNull(Stock, p.Stock);
        item.SetIfNotNull(Availability, p.Availability);
        item.SetIfNotNull(Sku, p.Sku);
        item.SetIfNotNull(Thumbnail, p.Thumbnail);
        item.SetIfNotNull(RawKey, p.RawKey);
        item.SetIfNotNull(RecordIndex, p.RecordIndex);
        if (p.Title.Length > 0) item[SearchText] = S(p.Title.ToLowerInvariant());
        return item;
    }

    public static Product FromItem(Dictionary<string, AttributeValue> item) => new()
    {
        Source = item.GetRequiredString(Source),
        SourceId = item.GetRequiredString(SourceId),
        Title = item.GetRequiredString(Title),
        Description = item.GetString(Description),
        Category = item.GetString(Category) ?? "",
        Brand = item.GetString(Brand),
        Price = item.GetDecimal(Price) ?? 0m,
        DiscountPercentage = item.GetDecimal(DiscountPercentage),
        Rating = item.GetDecimal(Rating),
        Stock = item.GetInt(Stock),
        Availability = item.GetString(Availability),
        Tags = item.GetStringList(Tags),
        Sku = item.GetString(Sku),
        Thumbnail = item.GetString(Thumbnail),
        ContentHash = item.GetRequiredString(ContentHash),
        FirstSeen = item.GetRequiredTime(FirstSeen),
        LastSeen = item.GetRequiredTime(LastSeen),
        LastChanged = item.GetRequiredTime(LastChanged),
        LastRunId = item.GetString(LastRunId),
        RawKey = item.GetString(RawKey),
        RecordIndex = item.GetInt(RecordIndex),
    };
}
