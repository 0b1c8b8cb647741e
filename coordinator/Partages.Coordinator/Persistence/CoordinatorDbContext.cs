using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// Everything the coordinator must not lose: by default one SQLite file, <c>&lt;data-dir&gt;/coordinator.db</c>, or a
/// PostgreSQL database (<see cref="DatabaseOptions"/>). Abstract: each provider has its own subclass
/// (ProviderContexts.cs) so that each has its own migrations set (Migrations/Sqlite, Migrations/PostgreSql), as EF
/// Core finds a context's migrations by its type. The model is the same for both.
/// </summary>
public abstract class CoordinatorDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<NodeEntity> Nodes => Set<NodeEntity>();
    public DbSet<EnrollmentTokenEntity> EnrollmentTokens => Set<EnrollmentTokenEntity>();
    public DbSet<ApiTokenEntity> ApiTokens => Set<ApiTokenEntity>();
    public DbSet<ArtifactEntity> Artifacts => Set<ArtifactEntity>();
    public DbSet<EvaluationEntity> Evaluations => Set<EvaluationEntity>();
    public DbSet<RunEntity> Runs => Set<RunEntity>();
    public DbSet<RunStateHistoryEntity> RunStateHistory => Set<RunStateHistoryEntity>();
    public DbSet<CertificateEventEntity> CertificateEvents => Set<CertificateEventEntity>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // SQLite has no date type: store instants as sortable integers so queries can compare them.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<RunStatus>().HaveConversion<string>();
        configurationBuilder.Properties<EvaluationStatus>().HaveConversion<string>();
        configurationBuilder.Properties<ApiRole>().HaveConversion<string>();
        configurationBuilder.Properties<RunProgressUnit>().HaveConversion<string>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        var nodes = Table<NodeEntity>(modelBuilder, "nodes", n => n.Id);
        nodes.HasIndex(n => n.Name).IsUnique();
        nodes.HasIndex(n => n.CertificateSha256).IsUnique();
        nodes.HasIndex(n => n.PreviousCertificateSha256);
        Table<EnrollmentTokenEntity>(modelBuilder, "enrollment_tokens", t => t.TokenSha256);
        Table<ApiTokenEntity>(modelBuilder, "api_tokens", t => t.Name).HasIndex(t => t.TokenSha256).IsUnique();
        Table<ArtifactEntity>(modelBuilder, "artifacts", a => a.Sha256);
        var evaluations = Table<EvaluationEntity>(modelBuilder, "evaluations", x => x.Id);
        evaluations.HasIndex(x => x.CreatedAt);
        evaluations.HasMany(x => x.Runs).WithOne(r => r.Evaluation).HasForeignKey(r => r.EvaluationId);
        var runs = Table<RunEntity>(modelBuilder, "runs", r => r.Id);
        runs.HasIndex(r => new { r.NodeName, r.Status });
        runs.HasIndex(r => r.LeaseExpiresAt);
        runs.ComplexProperty(r => r.Released);
        var history = Table<RunStateHistoryEntity>(modelBuilder, "run_state_history", h => h.Id);
        history.Property(h => h.Id).ValueGeneratedOnAdd();
        history.HasIndex(h => h.RunId);
        var certificateEvents = Table<CertificateEventEntity>(modelBuilder, "certificate_events", x => x.Id);
        certificateEvents.Property(x => x.Id).ValueGeneratedOnAdd();
        certificateEvents.HasIndex(x => new { x.NodeName, x.At });
    }

    /// <summary>Maps <typeparamref name="T"/> to its table (snake-case names, as the migrations hold them) with its key.</summary>
    private static EntityTypeBuilder<T> Table<T>(ModelBuilder modelBuilder, string name, Expression<Func<T, object?>> key)
        where T : class
    {
        var entity = modelBuilder.Entity<T>();
        entity.ToTable(name);
        entity.HasKey(key);
        return entity;
    }
}
