import { TerraformDataSource, TerraformResource, type TerraformProvider } from "cdktf";
import type { Construct } from "constructs";

/**
 * Puts every resource and data source under `scope` on `provider` (e.g. an aliased AWS provider of
 * another region); with no provider they stay on the stack's default one. A construct calls it once,
 * after creating its children, so that none of them is left in the default region by mistake.
 */
export function placeOnProvider(scope: Construct, provider: TerraformProvider | undefined): void {
  if (provider === undefined) return;
  for (const node of scope.node.findAll()) {
    if (node instanceof TerraformResource || node instanceof TerraformDataSource) node.provider = provider;
  }
}
