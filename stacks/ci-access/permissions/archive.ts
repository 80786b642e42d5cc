/** The deploy permission table's rows for hashicorp/archive: the archive_file data source, zipped on this machine (hashicorp/terraform-provider-archive). */
import { type ServicePermissions } from "../table";

export const archive: ServicePermissions = {
  dataSources: {
    archive_file: { source: "hashicorp/terraform-provider-archive internal/provider/data_source_archive_file.go (local zip, no AWS)", read: [] },
  },
};
