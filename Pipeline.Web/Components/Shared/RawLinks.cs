using System.Globalization;
using Pipeline.Core.Domain;

namespace Pipeline.Web.Components.Shared;

/// <summary>Links into the raw zone page: a raw page's preview, with one of its records highlighted.</summary>
public static class RawLinks
{
    /// <summary><c>/raw?source=…&amp;date=…&amp;run=…&amp;key=…[&amp;record=N]</c>: the page in its run's listing, previewed.</summary>
    public static string Preview(string key, int? record = null)
    {
        var query = new List<string>();
        if (RawKeys.TryParse(key, out var source, out var date, out var run, out _))
        {
            query.Add("source=" + Uri.EscapeDataString(source));
            query.Add("date=" + date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            query.Add("run=" + Uri.EscapeDataString(run));
        }
        query.Add("key=" + Uri.EscapeDataString(key));
        if (record is { } index) query.Add("record=" + index.ToString(CultureInfo.InvariantCulture));
        return "/raw?" + string.Join("&", query);
    }
}
