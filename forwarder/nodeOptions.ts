/**
 * The V8 heap settings the forwarder runs with in its container (the Dockerfile's forwarder
 * image and deploy/forwarder/deployment.yaml; bench/forwarder.ts measures them). A capped old
 * space and small semi-spaces make V8 collect before it grows, where its defaults (sized for
 * the machine, not the pod) let a busy process's garbage reach hundreds of MB. The live heap
 * stays near 50 MB (see README), so 96 MB of old space leaves room for full caches and buffers.
 */
export const FORWARDER_NODE_OPTIONS = '--max-old-space-size=96 --max-semi-space-size=2';
