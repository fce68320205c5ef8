/**
 * SOAP 1.1 envelope checks: Envelope / optional Header / Body in the SOAP 1.1 namespace.
 * A SOAP 1.2 envelope is answered with VersionMismatch (SOAP 1.1 §4.4.1); anything else that is
 * not a SOAP 1.1 envelope is RP001.
 */
import { SOAP11_NS, SOAP12_NS, SoapFault } from './fault.js';
import type { XmlElement } from './xml.js';

export interface Envelope {
  readonly envelope: XmlElement;
  /** Header entries (children of soap:Header), in document order; empty without a Header. */
  readonly headers: readonly XmlElement[];
  /** The first child element of soap:Body. */
  readonly body: XmlElement;
}

export function readEnvelope(root: XmlElement): Envelope {
  if (root.name === 'Envelope' && root.ns === SOAP12_NS) {
    throw new SoapFault('RP001', 'SOAP 1.2 envelope; this endpoint speaks SOAP 1.1', { faultcode: 'VersionMismatch' });
  }
  if (root.name !== 'Envelope' || root.ns !== SOAP11_NS) {
    throw new SoapFault('RP001', 'Not a SOAP 1.1 envelope');
  }
  let header: XmlElement | undefined;
  let body: XmlElement | undefined;
  for (const child of root.children) {
    // the element is not named: a caller's markup is not repeated in a fault (README, Faults)
    if (child.ns !== SOAP11_NS) throw new SoapFault('RP001', 'Unexpected element in Envelope: only Header and Body belong there');
    if (child.name === 'Header' && !header && !body) header = child;
    else if (child.name === 'Body' && !body) body = child;
    else throw new SoapFault('RP001', 'Unexpected element in Envelope: one Header, then one Body');
  }
  if (!body) throw new SoapFault('RP001', 'The envelope has no Body');
  const first = body.children[0];
  if (!first) throw new SoapFault('RP005', 'The Body is empty');
  return { envelope: root, headers: header ? header.children : [], body: first };
}
