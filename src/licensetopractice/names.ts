/**
 * Name lists for the synthetic register. Weights are approximate relative frequencies in Sweden
 * (thousands of bearers); the long tail is synthesised from common Swedish name elements.
 * Å/Ä/Ö-initial names are included on purpose: they must sort after Z.
 */

export const SURNAMES_HEAD: ReadonlyArray<readonly [string, number]> = [
  ['Andersson', 228], ['Johansson', 226], ['Karlsson', 196], ['Nilsson', 158], ['Eriksson', 135],
  ['Larsson', 111], ['Olsson', 105], ['Persson', 98], ['Svensson', 93], ['Gustafsson', 91],
  ['Pettersson', 88], ['Jonsson', 67], ['Jansson', 45], ['Hansson', 42], ['Bengtsson', 32],
  ['Jönsson', 31], ['Lindberg', 27], ['Jakobsson', 26], ['Magnusson', 25], ['Lindström', 25],
  ['Olofsson', 24], ['Lindqvist', 24], ['Lindgren', 24], ['Berg', 23], ['Axelsson', 22],
  ['Bergström', 22], ['Lundberg', 22], ['Lind', 21], ['Lundgren', 21], ['Lundqvist', 20],
  ['Mattsson', 20], ['Berglund', 19], ['Fredriksson', 18], ['Sandberg', 18], ['Henriksson', 18],
  ['Forsberg', 17], ['Sjöberg', 17], ['Wallin', 16], ['Ali', 16], ['Engström', 16], ['Mohamed', 16],
  ['Eklund', 15], ['Danielsson', 15], ['Lundin', 15], ['Håkansson', 15], ['Björk', 14],
  ['Bergman', 14], ['Gunnarsson', 14], ['Holm', 14], ['Wikström', 14], ['Samuelsson', 14],
  ['Isaksson', 13], ['Fransson', 13], ['Bergqvist', 13], ['Nyström', 13], ['Holmberg', 13],
  ['Arvidsson', 13], ['Löfgren', 13], ['Söderberg', 12], ['Nyberg', 12], ['Blomqvist', 12],
  ['Claesson', 12], ['Nordström', 12], ['Mårtensson', 11], ['Lundström', 11], ['Ahmed', 11],
  ['Viklund', 11], ['Björklund', 11], ['Eliasson', 11], ['Pålsson', 11], ['Hassan', 10],
  ['Berggren', 10], ['Sandström', 10], ['Lund', 10], ['Nordin', 10], ['Ström', 10],
  ['Åberg', 10], ['Hermansson', 9], ['Ekström', 9], ['Holmgren', 9], ['Sundberg', 9],
  ['Hedlund', 9], ['Dahlberg', 9], ['Hellström', 9], ['Sjögren', 9], ['Abrahamsson', 9],
  ['Falk', 8], ['Öberg', 8], ['Andreasson', 8], ['Blom', 8], ['Ek', 8], ['Månsson', 8],
  ['Åkesson', 8], ['Öhman', 6], ['Åström', 6], ['Ågren', 5], ['Östlund', 5], ['Östberg', 4],
  ['Öström', 3], ['Åman', 3], ['Ängström', 1.5], ['Äng', 1], ['Ärlebäck', 1], ['Älmqvist', 1],
  ['Zetterberg', 3], ['Zackrisson', 3], ['Yilmaz', 3], ['Müller', 1], ['Hernández', 1],
  ['Lefèvre', 0.5], ['Nguyen', 2], ['Kovačević', 0.5], ['Lund-Eriksson', 0.5], ['af Klint', 0.3],
];

const TAIL_PREFIXES = [
  'Ahl', 'Alm', 'Berg', 'Björn', 'Blom', 'Dahl', 'Ek', 'Fors', 'Gran', 'Hag', 'Hed', 'Holm', 'Kvarn',
  'Lind', 'Ljung', 'Lönn', 'Malm', 'Nord', 'Ros', 'Sand', 'Sjö', 'Stjern', 'Söder', 'Tall', 'Wester',
  'Åker', 'Ång', 'Äl', 'Öst', 'Häll',
];
const TAIL_SUFFIXES = [
  'berg', 'lund', 'ström', 'qvist', 'gren', 'man', 'holm', 'blad', 'dal', 'vall', 'stedt', 'sten',
  'by', 'borg', 'mark', 'näs', 'fors', 'ling',
];

/** Head names plus a synthesised long tail, each tail name with a small weight. */
export function surnameList(): Array<readonly [string, number]> {
  const seen = new Set(SURNAMES_HEAD.map(([n]) => n));
  const out: Array<readonly [string, number]> = [...SURNAMES_HEAD];
  for (const p of TAIL_PREFIXES) {
    for (const s of TAIL_SUFFIXES) {
      const name = p + s;
      if (seen.has(name)) continue;
      seen.add(name);
      out.push([name, 0.6]);
    }
  }
  return out;
}

export const FEMALE_GIVEN: ReadonlyArray<readonly [string, number]> = [
  ['Anna', 60], ['Maria', 40], ['Eva', 35], ['Karin', 35], ['Kristina', 30], ['Lena', 28], ['Sara', 28],
  ['Emma', 26], ['Kerstin', 22], ['Ingrid', 20], ['Marie', 20], ['Malin', 20], ['Jenny', 18],
  ['Hanna', 18], ['Linda', 18], ['Elin', 17], ['Sofia', 17], ['Johanna', 17], ['Annika', 16],
  ['Helena', 16], ['Ida', 15], ['Susanne', 15], ['Cecilia', 14], ['Elisabeth', 14], ['Camilla', 13],
  ['Birgitta', 13], ['Louise', 12], ['Julia', 12], ['Linnéa', 10], ['Åsa', 10], ['Ebba', 8],
  ['Ulla', 8], ['Mona', 6], ['Ylva', 4], ['Zara', 2], ['Fatima', 5], ['Amira', 2], ['Chloé', 1],
  ['Märta', 2], ['Ännie', 0.5], ['Öydis', 0.3], ['Astrid', 4], ['Ingela', 5],
];

export const MALE_GIVEN: ReadonlyArray<readonly [string, number]> = [
  ['Lars', 45], ['Anders', 45], ['Johan', 40], ['Per', 38], ['Erik', 36], ['Karl', 34], ['Peter', 30],
  ['Mikael', 30], ['Jan', 30], ['Thomas', 26], ['Daniel', 25], ['Fredrik', 24], ['Hans', 22],
  ['Stefan', 22], ['Magnus', 21], ['Mattias', 20], ['Andreas', 20], ['Nils', 18], ['Marcus', 16],
  ['Jonas', 16], ['Björn', 15], ['Oskar', 14], ['Gustav', 14], ['Carl', 14], ['Henrik', 14],
  ['Håkan', 12], ['Göran', 12], ['Bengt', 12], ['Olof', 10], ['Sven', 10], ['Åke', 9], ['Örjan', 4],
  ['Emil', 12], ['Viktor', 10], ['Mohammed', 8], ['Ali', 5], ['André', 3], ['Zoran', 1],
  ['Jörgen', 7], ['Ulf', 9], ['Yusuf', 1], ['Östen', 1], ['Ärling', 0.3],
];
