
namespace Pipeline.Adapters.Google;

/// <summary>A GoogleSQL statement and its named parameters (<c>@name</c> in <see cref="Sql"/>).</summary>
public sealed record BigQueryStatement(string Sql, IReadOnlyList<QueryParameter> Parameters)
{
    public BigQueryStatement(string sql) : this(sql, []) { }
}
