/**
 * The SearchPersonnel message shapes as this module produces and consumes them (issue 2 element
 * design). They are structurally compatible with the generated contract types; the handler is
 * typed against these so that the register does not depend on generated code.
 */

export type ResultCode = 'OK' | 'INFO' | 'ERROR';
export type ErrorCode = 'VALIDATION_ERROR' | 'NOT_FOUND' | 'ACCESS_DENIED' | 'CONFLICT' | 'APPLICATION_ERROR';

export interface ResultType {
  resultCode: ResultCode;
  errorCode?: ErrorCode;
  logId: string;
  message?: string;
}

export interface SearchPersonnelRequest {
  personalIdentityNumber?: string;
  coordinationNumber?: string;
  birthDate?: string;
  familyName?: string;
  givenName?: string;
  professionCode?: string[];
  specialityCode?: string;
  countyCode?: string;
  municipalityCode?: string;
  prescriberCode?: string;
  maxResults?: number;
  continuation?: string;
}

export interface SpecialityType {
  code: string;
  name: string;
}

export interface RestrictionType {
  code: string;
  description: string;
  fromDate: string;
  toDate?: string;
}

export interface LicenceType {
  professionCode: string;
  licenceDate?: string;
  valid?: boolean;
  education?: string;
  speciality?: SpecialityType[];
  prescriptionRight?: boolean;
  prescriberCode?: string;
  restriction?: RestrictionType[];
}

export interface PersonType {
  personId: string;
  personalIdentityNumber?: string;
  coordinationNumber?: string;
  givenName?: string;
  familyName?: string;
  birthDate?: string;
  countyCode?: string;
  municipalityCode?: string;
  licence?: LicenceType[];
  protectedIdentity?: boolean;
  deceased?: boolean;
}

export interface SearchPersonnelResponse {
  person?: PersonType[];
  totalCount: number;
  truncated: boolean;
  continuation?: string;
  result: ResultType;
}
