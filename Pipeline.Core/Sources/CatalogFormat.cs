namespace Pipeline.Core.Sources;

/// <summary>Shape of a catalog page on the wire.</summary>
public enum CatalogFormat
{
    /// <summary>Envelope <c>{products,total,skip,limit}</c>; DummyJSON and the Synthetic source.</summary>
    DummyJson,
    /// <summary>Bare array; rating is <c>{rate,count}</c>; category is a display name.</summary>
    FakeStore,
}
