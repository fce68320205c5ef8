/**
 * Code lists of the licensed-personnel register (docs/design.md#personnel-criteria). Profession codes are the 22 codes of
 * Socialstyrelsen's register of licensed health professionals (HoSp); restriction codes are our own
 * three. Speciality codes are synthetic demo codes (the names are real specialities).
 */

export const PROFESSION_CODES = [
  'AP', 'AT', 'AU', 'BA', 'BM', 'DT', 'FT', 'KP', 'LG', 'LK', 'NA',
  'OP', 'OT', 'PS', 'PT', 'RC', 'RS', 'SF', 'SG', 'SJ', 'TH', 'TL',
] as const;
export type ProfessionCode = (typeof PROFESSION_CODES)[number];

export const PROFESSION_NAMES: Readonly<Record<ProfessionCode, string>> = {
  AP: 'Apotekare',
  AT: 'Arbetsterapeut',
  AU: 'Audionom',
  BA: 'Barnmorska',
  BM: 'Biomedicinsk analytiker',
  DT: 'Dietist',
  FT: 'Fysioterapeut',
  KP: 'Kiropraktor',
  LG: 'Logoped',
  LK: 'Läkare',
  NA: 'Naprapat',
  OP: 'Optiker',
  OT: 'Ortopedingenjör',
  PS: 'Psykolog',
  PT: 'Psykoterapeut',
  RC: 'Receptarie',
  RS: 'Röntgensjuksköterska',
  SF: 'Sjukhusfysiker',
  SG: 'Sjukgymnast',
  SJ: 'Sjuksköterska',
  TH: 'Tandhygienist',
  TL: 'Tandläkare',
};

export function isProfessionCode(code: string): code is ProfessionCode {
  return (PROFESSION_CODES as readonly string[]).includes(code);
}

const RESTRICTION_CODES = ['001', '002', '003'] as const;
export type RestrictionCode = (typeof RESTRICTION_CODES)[number];
export const RESTRICTION_NAMES: Readonly<Record<RestrictionCode, string>> = {
  '001': 'Återkallad legitimation',
  '002': 'Prövotid',
  '003': 'Begränsad förskrivningsrätt',
};

/** Speciality codes (synthetic) per profession. */
export const SPECIALITIES: Readonly<Partial<Record<ProfessionCode, ReadonlyArray<readonly [code: string, name: string]>>>> = {
  LK: [
    ['1010', 'Allmänmedicin'],
    ['1020', 'Internmedicin'],
    ['1030', 'Kirurgi'],
    ['1040', 'Psykiatri'],
    ['1050', 'Barn- och ungdomsmedicin'],
    ['1060', 'Anestesi och intensivvård'],
    ['1070', 'Ortopedi'],
    ['1080', 'Obstetrik och gynekologi'],
    ['1090', 'Klinisk radiologi'],
    ['1100', 'Geriatrik'],
    ['1110', 'Kardiologi'],
    ['1120', 'Onkologi'],
    ['1130', 'Akutsjukvård'],
    ['1140', 'Arbets- och miljömedicin'],
    ['1150', 'Försäkringsmedicin'],
  ],
  SJ: [
    ['2010', 'Distriktssköterska'],
    ['2020', 'Intensivvård'],
    ['2030', 'Anestesisjukvård'],
    ['2040', 'Psykiatrisk vård'],
    ['2050', 'Barn och ungdom'],
    ['2060', 'Vård av äldre'],
    ['2070', 'Operationssjukvård'],
  ],
  TL: [
    ['3010', 'Ortodonti'],
    ['3020', 'Parodontologi'],
    ['3030', 'Käkkirurgi'],
    ['3040', 'Pedodonti'],
    ['3050', 'Endodonti'],
  ],
  PS: [
    ['4010', 'Klinisk psykologi'],
    ['4020', 'Neuropsykologi'],
  ],
};

/** Professions whose licence carries a prescription right (förskrivningsrätt). */
export const PRESCRIBING_PROFESSIONS: ReadonlySet<ProfessionCode> = new Set(['LK', 'TL', 'BA', 'TH']);

/**
 * Swedish counties (län) with real SCB codes, approximate population weights, and a selection of
 * real municipality codes (kommunkoder) with weights.
 */
export const COUNTIES: ReadonlyArray<{
  readonly code: string;
  readonly name: string;
  readonly weight: number;
  readonly municipalities: ReadonlyArray<readonly [code: string, weight: number]>;
}> = [
  { code: '01', name: 'Stockholms län', weight: 2450, municipalities: [['0180', 990], ['0182', 110], ['0184', 85], ['0186', 48], ['0162', 33], ['0127', 95], ['0126', 115], ['0191', 50], ['0192', 29]] },
  { code: '03', name: 'Uppsala län', weight: 400, municipalities: [['0380', 240], ['0381', 47]] },
  { code: '04', name: 'Södermanlands län', weight: 300, municipalities: [['0480', 58], ['0484', 107]] },
  { code: '05', name: 'Östergötlands län', weight: 470, municipalities: [['0580', 165], ['0581', 145]] },
  { code: '06', name: 'Jönköpings län', weight: 370, municipalities: [['0680', 143], ['0683', 34]] },
  { code: '07', name: 'Kronobergs län', weight: 200, municipalities: [['0780', 95], ['0781', 28]] },
  { code: '08', name: 'Kalmar län', weight: 245, municipalities: [['0880', 70], ['0882', 27]] },
  { code: '09', name: 'Gotlands län', weight: 60, municipalities: [['0980', 61]] },
  { code: '10', name: 'Blekinge län', weight: 160, municipalities: [['1080', 66], ['1082', 32]] },
  { code: '12', name: 'Skåne län', weight: 1400, municipalities: [['1280', 350], ['1281', 128], ['1283', 150], ['1290', 86]] },
  { code: '13', name: 'Hallands län', weight: 340, municipalities: [['1380', 104], ['1383', 66]] },
  { code: '14', name: 'Västra Götalands län', weight: 1750, municipalities: [['1480', 600], ['1490', 114], ['1488', 59], ['1496', 57], ['1485', 57]] },
  { code: '17', name: 'Värmlands län', weight: 280, municipalities: [['1780', 95], ['1784', 26]] },
  { code: '18', name: 'Örebro län', weight: 305, municipalities: [['1880', 158], ['1883', 30]] },
  { code: '19', name: 'Västmanlands län', weight: 280, municipalities: [['1980', 157], ['1983', 26]] },
  { code: '20', name: 'Dalarnas län', weight: 290, municipalities: [['2080', 59], ['2081', 52]] },
  { code: '21', name: 'Gävleborgs län', weight: 288, municipalities: [['2180', 103], ['2184', 37]] },
  { code: '22', name: 'Västernorrlands län', weight: 245, municipalities: [['2281', 99], ['2280', 25], ['2284', 56]] },
  { code: '23', name: 'Jämtlands län', weight: 132, municipalities: [['2380', 65]] },
  { code: '24', name: 'Västerbottens län', weight: 275, municipalities: [['2480', 131], ['2482', 74]] },
  { code: '25', name: 'Norrbottens län', weight: 250, municipalities: [['2580', 79], ['2581', 42], ['2584', 23]] },
];
