/** The deploy permission table's rows for STS: the caller identity data source (hashicorp/terraform-provider-aws internal/service/sts). */
import { src, type ServicePermissions } from "../table";

export const sts: ServicePermissions = {
  dataSources: {
    // sts:GetCallerIdentity needs no IAM permission (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
    aws_caller_identity: { source: src("sts/caller_identity_data_source.go"), read: [] },
  },
};
