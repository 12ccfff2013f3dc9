namespace Pipeline.Tests.Support;

/// <summary>Items as an asynchronous stream that yields between items, the way a store's scan hands them to a load.</summary>
public static class AsyncStream
{
    public static async IAsyncEnumerable<T> Of<T>(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }
}
