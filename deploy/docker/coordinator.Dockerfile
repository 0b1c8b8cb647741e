# syntax=docker/dockerfile:1
# Partages coordinator image.
# Build from the repository root (the build needs the root props, protos/ and evaluation/):
#   docker build -f deploy/docker/coordinator.Dockerfile -t partages/coordinator:0.1.0 .
# coordinator.Dockerfile.dockerignore (next to this file, read by BuildKit) keeps build outputs and .git
# out of the context.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish coordinator/Partages.Coordinator/Partages.Coordinator.csproj -c Release -o /app \
 && dotnet publish coordinator/Partages.Gateway/Partages.Gateway.csproj -c Release -o /app/gateway

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# Non-root user 10001 (the Helm chart runs as 10001 with runAsNonRoot); the data directory is
# created for it so that `docker run` without a volume works too.
RUN groupadd --gid 10001 partages \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/partages --no-create-home \
      --shell /usr/sbin/nologin partages \
 && mkdir -p /var/lib/partages \
 && chown 10001:10001 /var/lib/partages \
 && chmod 0700 /var/lib/partages \
 && printf '#!/bin/sh\nexec dotnet /app/Partages.Coordinator.dll "$@"\n' > /usr/local/bin/Partages.Coordinator \
 && printf '#!/bin/sh\nexec dotnet /app/gateway/Partages.Gateway.dll "$@"\n' > /usr/local/bin/Partages.Gateway \
 && chmod 0755 /usr/local/bin/Partages.Coordinator /usr/local/bin/Partages.Gateway
# `Partages.Gateway` runs the gateway (the chart's gateway Deployment; /app/gateway has its own appsettings.json).
# `Partages.Coordinator ...` (above) is how admin commands are run in the container, e.g.
#   kubectl exec deploy/<release> -- Partages.Coordinator admin enrollment-token --data-dir /var/lib/partages --node NAME --json
COPY --from=build /app /app
# The coordinator serves exactly one TLS port (7443); clear the base image's plain-HTTP default
# (ASPNETCORE_HTTP_PORTS=8080) so that nothing else is ever bound.
ENV ASPNETCORE_HTTP_PORTS="" \
    HOME=/tmp
USER 10001:10001
# /app: ASP.NET Core's content root, where appsettings*.json are read from.
WORKDIR /app
EXPOSE 7443
ENTRYPOINT ["dotnet", "/app/Partages.Coordinator.dll"]
CMD ["serve", "--data-dir", "/var/lib/partages", "--urls", "https://0.0.0.0:7443"]
