# syntax=docker/dockerfile:1
# Partages node agent image.
# Build from the repository root (the build needs the root props, protos/ and evaluation/):
#   docker build -f deploy/docker/node-agent.Dockerfile -t partages/node-agent:0.1.0 .
# node-agent.Dockerfile.dockerignore (next to this file, read by BuildKit) keeps build outputs and .git
# out of the context.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish node-agent/Partages.NodeAgent/Partages.NodeAgent.csproj -c Release -o /app

# The plain .NET runtime: the agent is a gRPC client and a worker service, it hosts no ASP.NET
# Core server (if it ever takes a FrameworkReference to Microsoft.AspNetCore.App, switch to
# mcr.microsoft.com/dotnet/aspnet:10.0). ONNX Runtime's native library ships in the publish
# output (runtimes/linux-x64/native) and needs only the libstdc++ the base image has.
FROM mcr.microsoft.com/dotnet/runtime:10.0
# Non-root user 10001 (the Helm chart runs as 10001 with runAsNonRoot); the node data directory
# is created for it so that `docker run` without a volume works too.
RUN groupadd --gid 10001 partages \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/partages-node --no-create-home \
      --shell /usr/sbin/nologin partages \
 && mkdir -p /var/lib/partages-node \
 && chown 10001:10001 /var/lib/partages-node \
 && chmod 0700 /var/lib/partages-node \
 && printf '#!/bin/sh\nexec dotnet /app/Partages.NodeAgent.dll "$@"\n' > /usr/local/bin/Partages.NodeAgent \
 && chmod 0755 /usr/local/bin/Partages.NodeAgent
# `Partages.NodeAgent ...` (above) is what the Helm chart's enroll init container and its exec
# probes call: `Partages.NodeAgent health --config /etc/partages/node.yaml`.
COPY --from=build /app /app
ENV HOME=/tmp
USER 10001:10001
# /app: the host's content root, where appsettings*.json are read from.
WORKDIR /app
# No EXPOSE: the node agent listens on no port. It only dials out to the coordinator.
ENTRYPOINT ["dotnet", "/app/Partages.NodeAgent.dll"]
CMD ["run", "--config", "/etc/partages/node.yaml"]
