/**
 * Which operation a SOAP call is for (RP005): the SOAPAction header and the body element's QName must
 * agree. SOAPAction may be quoted or not; missing or empty, the body element alone decides. Faults name
 * the rule, never the action or element the caller sent (README, Faults: "No echo").
 */
import { SoapFault } from '../soap/fault.js';
import type { BoundOperation, BoundService } from '../soap/service.js';
import type { XmlElement } from '../soap/xml.js';

export function dispatch(service: BoundService, soapAction: string | string[] | undefined, body: XmlElement): BoundOperation {
  const qname = body.ns ? `{${body.ns}}${body.name}` : body.name;
  const byBody = service.byBodyQName.get(qname);
  let action = (Array.isArray(soapAction) ? soapAction[0] : soapAction)?.trim();
  if (action && action.length >= 2 && action.charCodeAt(0) === 34 && action.charCodeAt(action.length - 1) === 34) {
    action = action.slice(1, -1).trim();
  }
  if (action) {
    const byAction = service.bySoapAction.get(action);
    if (!byAction) throw new SoapFault('RP005', 'The SOAPAction names no operation of this contract');
    if (byAction !== byBody) throw new SoapFault('RP005', 'The SOAPAction does not match the body element');
    return byAction;
  }
  if (!byBody) throw new SoapFault('RP005', 'The body element is not an operation of this contract');
  return byBody;
}
