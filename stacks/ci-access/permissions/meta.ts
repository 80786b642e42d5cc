/** The deploy permission table's rows for the provider's own metadata data sources (partition, region): no call (hashicorp/terraform-provider-aws internal/service/meta). */
import { src, type ServicePermissions } from "../table";

export const meta: ServicePermissions = {
  dataSources: {
    aws_partition: { source: src("meta/partition_data_source.go") + " (from the provider's region)", read: [] },
    aws_region: { source: src("meta/region_data_source.go") + " (from the provider's endpoints)", read: [] },
  },
};
