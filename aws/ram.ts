/** The AWS managed RAM permissions for SSM parameters, by what they allow (AWS RAM managed permissions). */
export const PARAMETER_SHARE_PERMISSIONS = {
  "read-only": "AWSRAMDefaultPermissionSSMParameterReadOnly",
  "read-only-with-history": "AWSRAMPermissionSSMParameterReadOnlyWithHistory",
} as const;
export type ParameterSharePermission = keyof typeof PARAMETER_SHARE_PERMISSIONS;
