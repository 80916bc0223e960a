import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

interface AssetManifest {
  files?: Record<string, { source: { path?: string }; destinations: Record<string, { objectKey: string }> }>;
}

/**
 * The file in the cloud assembly that a template's S3 object key stands for, found through the
 * assembly's asset manifests (`<stack>.assets.json`) as `cdk deploy` finds it when publishing.
 */
export function assetFileOf(assemblyDir: string, objectKey: string): string {
  for (const file of readdirSync(assemblyDir).filter((f) => f.endsWith('.assets.json'))) {
    const manifest = JSON.parse(readFileSync(path.join(assemblyDir, file), 'utf8')) as AssetManifest;
    for (const asset of Object.values(manifest.files ?? {})) {
      const published = Object.values(asset.destinations).some((d) => d.objectKey === objectKey);
      if (published && asset.source.path) return path.resolve(assemblyDir, asset.source.path);
    }
  }
  throw new Error(`No asset of the cloud assembly ${assemblyDir} is published as ${objectKey}`);
}
