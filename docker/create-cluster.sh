#!/bin/sh
# Joins the nodes of REDIS_CLUSTER_NODES ("host:port host:port …", masters first) into a Redis Cluster with one
# replica per master, as `redis-cli --cluster create` does, then waits until the cluster is ok. Nodes that already
# know each other (a cluster created by an earlier run) are left as they are. REDIS_CLI is the redis-cli to use.
set -eu

cli=${REDIS_CLI:-redis-cli}
nodes=${REDIS_CLUSTER_NODES:?REDIS_CLUSTER_NODES must list the nodes, e.g. "redis-node-1:6379 redis-node-2:6379"}
first=${nodes%% *}

info() {
    "$cli" -h "${first%:*}" -p "${first##*:}" cluster info | tr -d '\r'
}

known=$(info | sed -n 's/^cluster_known_nodes://p')
if [ "${known:-1}" -gt 1 ]; then
    echo "Redis Cluster already created on $nodes"
else
    # redis-cli wants addresses: resolve each host name (an address resolves to itself)
    addresses=""
    for node in $nodes; do
        host=${node%:*}
        address=$(getent hosts "$host" | head -n 1 | cut -d " " -f 1)
        addresses="$addresses ${address:?cannot resolve $host}:${node##*:}"
    done
    # shellcheck disable=SC2086 # one argument per node
    "$cli" --cluster create $addresses --cluster-replicas 1 --cluster-yes
    echo "Redis Cluster created on $nodes"
fi

waited=0
until info | grep -q '^cluster_state:ok$'; do
    waited=$((waited + 1))
    if [ "$waited" -gt 60 ]; then
        echo "the Redis Cluster on $nodes is not ok after 60 s:" >&2
        info >&2
        exit 1
    fi
    sleep 1
done
echo "Redis Cluster ok"
